package caddyerrorpages

import (
	"reflect"
	"testing"
)

// The load names the messages a site offers no text for in some of its
// languages (those visitors get the built-in title in their language),
// and an untagged message is used only in the default language.
func TestUntranslatedMessagesAreNamed(t *testing.T) {
	h := &Handler{
		Messages:         map[int]string{404: "Nothing here", 503: "Back soon"},
		LanguageMessages: map[string]map[int]string{"de": {404: "Hier ist nichts"}},
		Languages:        []string{"en", "de", "fr"},
	}
	if err := h.compile(); err != nil {
		t.Fatal(err)
	}
	if got, want := h.untranslatedMessages(), []string{"404: fr", "503: de, fr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("untranslated %q, want %q", got, want)
	}
	for _, tt := range []struct{ lang, want string }{{"en", "Nothing here"}, {"de", "Hier ist nichts"}, {"fr", ""}} {
		if got := h.message(404, tt.lang); got != tt.want {
			t.Errorf("message(404, %s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}
