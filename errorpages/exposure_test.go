package errorpages

import (
	"testing"
)

func TestExposurePolicy(t *testing.T) {
	u := Parse([]byte(`{"message":"card declined","code":"card_declined","errors":[{"field":"card","message":"declined"}]}`), "application/json")
	rows := []struct {
		p     Exposure
		code  int
		shown bool
	}{
		{ExposeAuto, 402, true}, {ExposeAuto, 502, false},
		{ExposeAlways, 402, true}, {ExposeAlways, 502, true},
		{ExposeNever, 402, false}, {ExposeNever, 502, false},
	}
	for _, row := range rows {
		e := NewError(row.code, "")
		withheld := row.p.Apply(e, u)
		shown := e.Details == "card declined" && e.Type == "card_declined" && len(e.Fields) == 1
		if shown != row.shown || withheld == row.shown {
			t.Errorf("%s %d: shown=%v withheld=%v (%+v)", row.p, row.code, shown, withheld, e)
		}
	}
	if _, err := ParseExposure("sometimes"); err == nil {
		t.Error("ParseExposure should reject sometimes")
	}
}
