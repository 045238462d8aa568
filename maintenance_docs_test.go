package caddyerrorpages

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// docBlocks returns the fenced blocks of a documentation page, by
// language (caddyfile, sh), in order.
func docBlocks(t *testing.T, file string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	blocks := map[string][]string{}
	for _, m := range regexp.MustCompile("(?s)```([a-z]*)\n(.*?)```").FindAllStringSubmatch(s, -1) {
		blocks[m[1]] = append(blocks[m[1]], m[2])
	}
	return blocks
}

// curlCmd is one curl command line of the docs.
type curlCmd struct {
	method, url, data string
	header            http.Header
	// want is the status its comment announces (# 503 …), 0 for none.
	want int
}

// curlCommands reads the curl commands of a sh block: continuation
// lines joined, single quotes honored, a trailing # comment's leading
// status kept.
func curlCommands(t *testing.T, block string) []curlCmd {
	t.Helper()
	var out []curlCmd
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		var words []string
		var cur strings.Builder
		quoted, inWord, comment := false, false, ""
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '\'':
				quoted, inWord = !quoted, true
			case !quoted && c == '#' && !inWord:
				comment = strings.TrimSpace(line[i+1:])
				i = len(line)
			case !quoted && (c == ' ' || c == '\t'):
				if inWord {
					words, inWord = append(words, cur.String()), false
					cur.Reset()
				}
			default:
				cur.WriteByte(c)
				inWord = true
			}
		}
		if inWord {
			words = append(words, cur.String())
		}
		c := curlCmd{method: "", header: http.Header{}}
		for k := 1; k < len(words); k++ {
			switch words[k] {
			case "-X":
				k++
				c.method = words[k]
			case "-H":
				k++
				name, value, _ := strings.Cut(words[k], ":")
				c.header.Set(name, strings.TrimSpace(value))
			case "-d":
				k++
				c.data = words[k]
			case "-i":
			default:
				c.url = "http://" + strings.TrimPrefix(words[k], "http://")
			}
		}
		if c.method == "" {
			c.method = "GET"
			if c.data != "" {
				c.method = "POST"
			}
		}
		if f := strings.Fields(comment); len(f) > 0 {
			c.want, _ = strconv.Atoi(strings.TrimRight(f[0], ":,"))
		}
		out = append(out, c)
	}
	return out
}

func (c curlCmd) do(t *testing.T, client *http.Client, ports *strings.Replacer) (int, string) {
	t.Helper()
	req, err := http.NewRequest(c.method, ports.Replace(c.url), strings.NewReader(c.data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.header.Clone()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.url, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}

// The maintenance page's example (docs/maintenance.md) works when pasted: its Caddyfile with
// the token set answers its curl commands as their comments say, its
// admin API commands find the switch it names, and without the token the
// load error says where.
func TestReadmeMaintenanceExamplesWork(t *testing.T) {
	blocks := docBlocks(t, "docs/maintenance.md")
	if len(blocks["caddyfile"]) == 0 || len(blocks["sh"]) < 2 {
		t.Fatalf("docs/maintenance.md has %d Caddyfile and %d sh blocks", len(blocks["caddyfile"]), len(blocks["sh"]))
	}
	site := strings.ReplaceAll(blocks["caddyfile"][0], "localhost:8080", "localhost:9080")
	try := blocks["sh"][0]
	token := regexp.MustCompile(`MAINTENANCE_TOKEN=(\S+) caddy run`).FindStringSubmatch(try)
	if token == nil {
		t.Fatalf("the example does not say how to run it with the token:\n%s", try)
	}
	ports := strings.NewReplacer("localhost:8080", "localhost:9080", "localhost:2019", ports.URL("localhost:2999"))

	t.Run("without the token the load error says where", func(t *testing.T) {
		t.Setenv("MAINTENANCE_TOKEN", "")
		out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(site), map[string]any{"filename": "Caddyfile"})
		if err != nil {
			t.Fatalf("caddy adapt fails: %v", err)
		}
		var cfg caddy.Config
		if err := json.Unmarshal(out, &cfg); err != nil {
			t.Fatal(err)
		}
		err = caddy.Validate(&cfg)
		if err == nil {
			t.Fatal("loads without the token")
		}
		for _, want := range []string{"bypass_header", "host localhost", "MAINTENANCE_TOKEN is not set"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
	})

	t.Setenv("MAINTENANCE_TOKEN", token[1])
	tester := startCaddy(t, globalOptions+site)
	cmds := curlCommands(t, try)
	if len(cmds) < 2 {
		t.Fatalf("%d curl commands in\n%s", len(cmds), try)
	}
	for _, c := range cmds {
		code, body := c.do(t, tester.Client, ports)
		if c.want == 0 || code != c.want {
			t.Errorf("%s %s %v: %d, docs/maintenance.md says %d\n%s", c.method, c.url, c.header, code, c.want, body)
		}
	}
	// The admin API block: every command succeeds on the switch the
	// example's config names.
	var admin string
	for _, b := range blocks["sh"] {
		if strings.Contains(b, "localhost:2019/error_pages/maintenance") {
			admin = b
			break
		}
	}
	for _, c := range curlCommands(t, admin) {
		code, body := c.do(t, tester.Client, ports)
		if code >= 300 {
			t.Errorf("%s %s: %d\n%s", c.method, c.url, code, body)
		}
	}
}
