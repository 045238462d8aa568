package testports

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
)

func TestConfigRewritesOnlyTheFixedPorts(t *testing.T) {
	p := Free(9080, 2999)
	h, a := strconv.Itoa(p.Port(9080)), strconv.Itoa(p.Port(2999))
	if h == a || h == "9080" || a == "2999" {
		t.Fatalf("ports not chosen: %s %s", h, a)
	}
	for _, row := range []struct{ in, want string }{
		{"{\n\tadmin localhost:2999\n\thttp_port 9080\n}\nhttp://a.localhost:9080 {", "{\n\tadmin localhost:" + a + "\n\thttp_port " + h + "\n}\nhttp://a.localhost:" + h + " {"},
		{`"listen": [":9080"]`, `"listen": [":` + h + `"]`},
		{"http://localhost:9080/x?p=9080", "http://localhost:" + h + "/x?p=9080"},
		// other ports and numbers stay
		{"127.0.0.1:39080 127.0.0.1:90801 max_body 9080 https_port 9443", "127.0.0.1:39080 127.0.0.1:90801 max_body 9080 https_port 9443"},
	} {
		if got := p.Config(row.in); got != row.want {
			t.Errorf("Config(%q) = %q, want %q", row.in, got, row.want)
		}
	}
}

func TestTransportReachesTheChosenPortWithTheWrittenHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Ports{real: map[int]int{9080: ln.Addr().(*net.TCPAddr).Port}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Host) })}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	c := &http.Client{Transport: p.Transport()}
	res, err := c.Get("http://shop.localhost:9080/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if string(b) != "shop.localhost:9080" {
		t.Errorf("Host = %q", b)
	}
}
