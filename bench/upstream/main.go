// Command upstream is the loopback API behind Caddy in the load harness:
// /ok answers 200 with a small JSON body, /bad a 400 JSON validation error.
package main

import (
	"flag"
	"log"
	"net/http"
)

var (
	okBody  = []byte(`{"ok":true,"items":[1,2,3],"next":null}`)
	badBody = []byte(`{"message":"email is not a valid address","code":"validation_failed","errors":[{"field":"email","message":"Invalid email format"}]}`)
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9301", "address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(okBody)
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(badBody)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
