package maintenance

import "testing"

// A switch lives from the first handler that follows its name to the last
// one cleaned up, across a reload (the new config is provisioned before
// the old one is cleaned up), in Caddy's usage pool.
func TestSwitchLivesWhileAHandlerFollowsIt(t *testing.T) {
	follow := func() *Maintenance {
		m := &Maintenance{Name: "t-pool"}
		if err := m.Compile(); err != nil {
			t.Fatal(err)
		}
		sw, err := acquire(m)
		if err != nil {
			t.Fatal(err)
		}
		m.sw = sw
		return m
	}
	old := follow()
	sw := Lookup("t-pool")
	if sw == nil || old.Switch() != sw {
		t.Fatal("the switch is not in the pool")
	}
	next := follow() // a reload: same name, same switch
	if next.Switch() != sw || next.seq <= old.seq {
		t.Fatalf("the reload got another switch (%p, %p) or an older seq (%d ≤ %d)", next.Switch(), sw, next.seq, old.seq)
	}
	old.Cleanup()
	if Lookup("t-pool") != sw {
		t.Fatal("the switch went with the old config while the new one follows it")
	}
	next.Cleanup()
	if Lookup("t-pool") != nil {
		t.Fatal("the switch outlived its last handler")
	}
	if again := follow(); again.Switch() == sw {
		t.Error("a new config after the last cleanup got the destroyed switch")
	} else {
		again.Cleanup()
	}
}
