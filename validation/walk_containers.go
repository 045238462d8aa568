package validation

// The walker's objects and arrays (walk.go says what the walker does):
// an object's members, each walked against the schemas its key selects,
// with the duplicate-key check and the keywords about its keys as a whole
// (objectDone); an array's items, against prefixItems then items, with
// its item counts.

// walkObject walks an object, checking n's object keywords.
func (p *jsonParser) walkObject(n *fnode, sd int) bool {
	if n != nil && (n.types != 0 && n.types&tObject == 0 || n.enum != nil || n.constV != nil) {
		return false // enum and const hold no object here (else hybrid)
	}
	if err := p.enter(); err != nil {
		p.bad = true
		return false
	}
	p.i++ // {
	ok := p.walkMembers(n, sd)
	if ok {
		p.depth--
	}
	return ok
}

// walkMembers walks an object's members, after its '{', to its '}'.
func (p *jsonParser) walkMembers(n *fnode, sd int) bool {
	mark := len(p.keys)
	var seen map[string]struct{} // the undeclared keys of a large object
	var mask uint64              // the declared keys seen, as propList bits
	listed := n != nil && n.propList != nil
	count := 0
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return n.objectDone(0, 0, nil, nil)
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			p.bad = true
			return false
		}
		key, err := p.str()
		if err != nil {
			p.bad = true
			return false
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			p.bad = true
			return false
		}
		p.i++
		p.ws()
		count++
		idx := -1
		if listed {
			idx = n.propIndex(key)
		}
		if idx >= 0 {
			if mask&(1<<idx) != 0 {
				p.bad = true // duplicate key
				return false
			}
			mask |= 1 << idx
		} else {
			dup := false
			if seen != nil {
				_, dup = seen[key]
				seen[key] = struct{}{}
			} else {
				ks := p.keys[mark:]
				for _, k := range ks {
					if k == key {
						dup = true
						break
					}
				}
				if len(ks) == 16 {
					seen = make(map[string]struct{}, 32)
					for _, k := range ks {
						seen[k] = struct{}{}
					}
					seen[key] = struct{}{}
				}
			}
			if dup {
				p.bad = true
				return false
			}
			p.keys = append(p.keys, key)
		}
		if !p.walkMember(n, key, idx, sd) {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			p.bad = true
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			ok := n.objectDone(count, mask, p.keys[mark:], seen)
			clear(p.keys[mark:])
			p.keys = p.keys[:mark]
			return ok
		default:
			p.bad = true
			return false
		}
	}
}

// walkMember walks a member's value against the schemas n gives it: its
// property's (idx in propList, or looked up), each matching
// patternProperties', else additionalProperties'.
func (p *jsonParser) walkMember(n *fnode, key string, idx, sd int) bool {
	if n == nil {
		return p.walk(nil, sd+1)
	}
	if n.propertyNames != nil {
		name := jv{k: jString, s: key}
		if !n.propertyNames.check(&name, sd+1) {
			return false
		}
	}
	var s *fnode
	matched := idx >= 0
	if matched {
		s = n.propList[idx].n
	} else if n.propList == nil && n.props != nil {
		s, matched = n.props[key]
	}
	if len(n.patternProps) == 0 {
		if !matched {
			if n.addFalse {
				return false
			}
			s = n.additional
		}
		return p.walk(s, sd+1)
	}
	var buf [4]*fnode
	ss := buf[:0]
	if matched {
		ss = append(ss, s)
	}
	for _, pp := range n.patternProps {
		if pp.re.MatchString(key) {
			matched = true
			ss = append(ss, pp.n)
		}
	}
	if !matched {
		if n.addFalse {
			return false
		}
		ss = append(ss, n.additional)
	}
	start, depth, end := p.i, p.depth, -1
	for _, s := range ss {
		if !p.sub(s, start, &end, depth, sd) {
			return false
		}
	}
	p.i = end
	return true
}

// objectDone checks the keywords about an object's keys as a whole:
// count members, mask the declared keys seen, keys (or seen, for a
// large object) the others.
func (n *fnode) objectDone(count int, mask uint64, keys []string, seen map[string]struct{}) bool {
	if n == nil {
		return true
	}
	if n.minProps >= 0 && count < n.minProps || n.maxProps >= 0 && count > n.maxProps {
		return false
	}
	if n.walk.reqAll {
		if mask&n.walk.reqMask != n.walk.reqMask {
			return false
		}
	} else {
		for _, r := range n.required {
			if !n.hasKey(r, mask, keys, seen) {
				return false
			}
		}
	}
	for k, dep := range n.dependentRequired {
		if n.hasKey(k, mask, keys, seen) {
			for _, d := range dep {
				if !n.hasKey(d, mask, keys, seen) {
					return false
				}
			}
		}
	}
	return true
}

func (n *fnode) hasKey(k string, mask uint64, keys []string, seen map[string]struct{}) bool {
	if i := n.propIndex(k); i >= 0 {
		return mask&(1<<i) != 0
	}
	if seen != nil {
		_, ok := seen[k]
		return ok
	}
	for _, s := range keys {
		if s == k {
			return true
		}
	}
	return false
}

// walkArray walks an array, checking n's array keywords.
func (p *jsonParser) walkArray(n *fnode, sd int) bool {
	if n != nil && (n.types != 0 && n.types&tArray == 0 || n.enum != nil || n.constV != nil) {
		return false // enum and const hold no array here (else hybrid)
	}
	if err := p.enter(); err != nil {
		p.bad = true
		return false
	}
	p.i++ // [
	p.ws()
	count := 0
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return n == nil || n.minItems <= 0
	}
	for {
		p.ws()
		var s *fnode
		if n != nil {
			if count < len(n.prefixItems) {
				s = n.prefixItems[count]
			} else {
				s = n.items
			}
		}
		if !p.walk(s, sd+1) {
			return false
		}
		count++
		if n != nil && n.maxItems >= 0 && count > n.maxItems {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			p.bad = true
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.depth--
			return n == nil || n.minItems < 0 || count >= n.minItems
		default:
			p.bad = true
			return false
		}
	}
}
