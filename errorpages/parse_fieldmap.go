// Field maps: {"email": ["…"]} (Django REST Framework, Rails, ASP.NET,
// Laravel), nested maps, in the upstream's order.

package errorpages

import "bytes"

// fromFieldMap reads {"email": ["is invalid"], "name": "can't be blank"}
// in the upstream's order (the order of its form). Django REST
// Framework's nested serializers nest the map ({"address": {"city": [...]}}
// → address.city, {"items": [{}, {"qty": [...]}]} → items[1].qty); prefix
// is the name of the map's parent.
func (u *Upstream) fromFieldMap(d jsonDoc, m jval, prefix []byte, depth int) {
	var g fieldGroups
	it := d.members(m)
	for k, v, ok := it.next(); ok; k, v, ok = it.next() {
		g.put(d, k, v)
	}
	for _, e := range g.list[:g.n] {
		key := d.str(e.key)
		name := prefix
		if key != "non_field_errors" && key != "__all__" {
			name = appendNameSeg(prefix[:len(prefix):len(prefix)], key, false)
		}
		if len(u.Fields) >= MaxFields && (len(name) > 0 || u.Message != "") {
			continue // full; only a message may still come
		}
		nameStr := sameOr(name, key)
		switch d.kind(e.val) {
		case '"':
			u.addFieldOrMessage(nameStr, d.str(e.val))
		case '[':
			ai := d.elements(e.val)
			for i := 0; len(u.Fields) < MaxFields || len(name) == 0; i++ {
				v, ok := ai.nextElem()
				if !ok {
					break
				}
				switch d.kind(v) {
				case '"':
					u.addFieldOrMessage(nameStr, d.str(v))
				case '{':
					if depth < maxFieldMapDepth && d.isFieldMap(v, depth+1) {
						u.fromFieldMap(d, v, appendNameSeg(name[:len(name):len(name)], itoa(i), true), depth+1)
					}
				}
			}
		case '{':
			if depth < maxFieldMapDepth && d.isFieldMap(e.val, depth+1) {
				u.fromFieldMap(d, e.val, name, depth+1)
			}
		}
	}
}

// maxFieldMapDepth bounds how deep nested field maps are read.
const maxFieldMapDepth = 4

func (u *Upstream) addFieldOrMessage(name, msg string) {
	if name == "" {
		if u.Message == "" {
			u.setMessage(msg)
		}
		return
	}
	u.addField(Field{Field: name, Message: msg})
}

// isFieldMap reports whether v is Django REST Framework's serializer
// errors: an object whose every value is a non-empty list of messages, a
// nested field map, or a list of field maps (one per list item, {} for
// the valid ones).
func (d jsonDoc) isFieldMap(v jval, depth int) bool {
	if d.kind(v) != '{' || depth > maxFieldMapDepth {
		return false
	}
	n := 0
	it := d.members(v)
	for _, val, ok := it.next(); ok; _, val, ok = it.next() {
		n++
		switch d.kind(val) {
		case '{':
			if !d.isFieldMap(val, depth+1) {
				return false
			}
		case '[':
			strs, objs, some := 0, 0, false
			ai := d.elements(val)
			for e, ok := ai.nextElem(); ok; e, ok = ai.nextElem() {
				switch d.kind(e) {
				case '"':
					strs++
				case '{':
					objs++
					if d.isEmptyObject(e) {
						continue
					}
					if !d.isFieldMap(e, depth+1) {
						return false
					}
					some = true
				default:
					return false
				}
			}
			if strs > 0 && objs > 0 || strs == 0 && !some {
				return false
			}
		default:
			return false
		}
	}
	return n > 0
}

func (d jsonDoc) isEmptyObject(v jval) bool {
	it := d.members(v)
	_, _, ok := it.next()
	return !ok
}

// fieldGroups gathers a field map's keys in first-seen order, each with
// the last value given for it, through a small hash table: linear in the
// number of keys. Only the first maxGroups keys that carry something are
// kept (fields are capped at MaxFields anyway).
type fieldGroups struct {
	list  [maxGroups]fieldGroup
	n     int
	table [2 * maxGroups]uint8 // index+1 into list; 0 is empty
}

type fieldGroup struct {
	key, val jval
	hash     uint32
}

const maxGroups = 64

func (g *fieldGroups) put(d jsonDoc, k, v jval) {
	key := d.keyBytes(k)
	h := uint32(2166136261) // FNV-1a
	for _, c := range key {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := h % uint32(len(g.table))
	for g.table[slot] != 0 {
		e := &g.list[g.table[slot]-1]
		if e.hash == h && bytes.Equal(d.keyBytes(e.key), key) {
			e.val = v // the last value wins; the first place stays
			return
		}
		slot = (slot + 1) % uint32(len(g.table))
	}
	if g.n == maxGroups || !d.carries(v) {
		return
	}
	g.list[g.n] = fieldGroup{key: k, val: v, hash: h}
	g.n++
	g.table[slot] = uint8(g.n)
}

// carries reports whether v may hold a message: a string, or a non-empty
// list or object.
func (d jsonDoc) carries(v jval) bool {
	switch d.kind(v) {
	case '"':
		return true
	case '[', '{':
		i := skipWS(d, v.s+1)
		return i < len(d) && d[i] != ']' && d[i] != '}'
	}
	return false
}
