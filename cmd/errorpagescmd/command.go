// Package errorpagescmd is the `caddy error-pages` subcommand: preview,
// export and schema of the pages every error_pages handler of a config
// produces. It registers itself with Caddy's command line when imported;
// the module's root package imports it, so one --with brings it.
//
// It loads each handler as the Caddy module http.handlers.error_pages and
// asks it through the handler interface, without importing its package.
package errorpagescmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "error-pages",
		Usage: "preview|export|schema --config <path> [--adapter <name>] [--listen <addr>] [--out <dir>] [--all] [--openapi]",
		Short: "Previews or exports the error pages of a config",
		Long: `
Shows the pages every error_pages handler of a config produces — every
status in every format, and the maintenance page — with the site's own
brand, templates and messages, without making errors happen.

  preview  serves a gallery of the pages (HTML in light and dark) on
           --listen (default 127.0.0.1:2080); the config is read again on
           every request, so edits show on reload.
  export   writes the pages as static files into --out, one directory per
           site: 404.html, 404.json, 404.problem.json, 404.txt, 404.xml …
           and maintenance.html …, plus an index.html. Existing files are
           overwritten. The statuses are those sites answer with (400 401
           403 404 405 408 409 410 412 413 415 416 422 429 500 501 502 503
           504) and those the site's status option names one by one, among
           the ones it rewrites; --all writes every status it rewrites.
  schema   prints the JSON Schema (2020-12) of each site's JSON error
           bodies, by media type: the json format (its preset's shape) and
           problem+json (with the configured extension members), for an
           API's own document and its SDK generators; --openapi prints the
           same as an OpenAPI 3.1 components fragment.

--config is the config file (default: ./Caddyfile), --adapter its adapter
when its name does not tell (as for caddy run). Relative template
directories are read from the current directory, as caddy run does.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(previewCommand(), exportCommand(), schemaCommand())
		},
	})
}

func configFlags(c *cobra.Command) {
	c.Flags().StringP("config", "c", "", "Configuration file (default ./Caddyfile)")
	c.Flags().StringP("adapter", "a", "", "Name of config adapter to apply")
}

func previewCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "preview --config <path> [--adapter <name>] [--listen <addr>]",
		Short: "Serves a gallery of the config's error pages",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdPreview),
	}
	configFlags(c)
	c.Flags().StringP("listen", "l", "127.0.0.1:2080", "Address the gallery listens on")
	return c
}

func exportCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "export --config <path> [--adapter <name>] --out <dir> [--all]",
		Short: "Writes the config's error pages as static files",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdExport),
	}
	configFlags(c)
	c.Flags().StringP("out", "o", "", "Directory to write into (created if missing)")
	c.Flags().String("lang", "", "Language of the pages, as an Accept-Language value (default: each site's default_language)")
	c.Flags().Bool("all", false, "Pages for every status the site rewrites (default: the statuses sites answer with, and those its status option names)")
	return c
}

func schemaCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "schema --config <path> [--adapter <name>] [--openapi]",
		Short: "Prints the JSON Schema of the config's JSON error bodies",
		Args:  cobra.NoArgs,
		RunE:  caddycmd.WrapCommandFuncForCobra(cmdSchema),
	}
	configFlags(c)
	c.Flags().Bool("openapi", false, "Print an OpenAPI 3.1 components fragment instead")
	return c
}

func cmdPreview(fl caddycmd.Flags) (int, error) {
	load := func() (*gallery, error) { return loadGallery(fl.String("config"), fl.String("adapter")) }
	g, err := load()
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	g.close()
	ln, err := net.Listen("tcp", fl.String("listen"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: &previewHandler{load: load}, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("error-pages preview of %d site(s) at http://%s/ (Ctrl-C to stop)\n", len(g.sites), ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return caddy.ExitCodeFailedStartup, err
	}
	return caddy.ExitCodeSuccess, nil
}

func cmdExport(fl caddycmd.Flags) (int, error) {
	out := fl.String("out")
	if out == "" {
		return caddy.ExitCodeFailedStartup, errors.New("export: --out <dir> is required")
	}
	g, err := loadGallery(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	defer g.close()
	g.lang = fl.String("lang")
	for _, s := range g.sites {
		s.all = fl.Bool("all")
	}
	files, err := g.export(out)
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	fmt.Printf("wrote %d files for %d site(s) into %s\n", len(files), len(g.sites), out)
	return caddy.ExitCodeSuccess, nil
}

func cmdSchema(fl caddycmd.Flags) (int, error) {
	g, err := loadGallery(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	defer g.close()
	out, err := g.schemas(fl.Bool("openapi"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	os.Stdout.Write(out)
	return caddy.ExitCodeSuccess, nil
}
