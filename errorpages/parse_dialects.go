// Problems written into one message by NestJS (class-validator), hapi
// (joi) and Fastify (Ajv): split back into fields.

package errorpages

import "strings"

// fromMessageList reads NestJS's ValidationPipe list: class-validator's
// messages begin with the property path ("email must be an email",
// "address.city should not be empty"). Items that name no field become
// the message, joined with "; ".
func (u *Upstream) fromMessageList(d jsonDoc, list jval) {
	var rest strings.Builder
	it := d.elements(list)
	for v, ok := it.nextElem(); ok; v, ok = it.nextElem() {
		if d.kind(v) != '"' {
			continue
		}
		s := d.str(v)
		if name, text, ok := classValidatorProblem(s); ok {
			u.addField(Field{Field: name, Message: text})
			continue
		}
		if strings.TrimSpace(s) != "" && rest.Len() < 4*MaxMessageLen {
			if rest.Len() > 0 {
				rest.WriteString("; ")
			}
			rest.WriteString(s)
		}
	}
	if rest.Len() > 0 && u.Message == "" {
		u.setMessage(rest.String())
	}
}

// classValidatorProblem splits a class-validator message into the
// property path and the problem: "items.0.qty must not be less than 1" →
// "items[0].qty", "must not be less than 1". Its prefixed forms ("each
// value in tags must …", "nested property address must …", "property x
// should not exist") are read too.
func classValidatorProblem(s string) (name, text string, ok bool) {
	each := false
	if rest, ok := strings.CutPrefix(s, "each value in "); ok {
		s, each = rest, true
	} else if rest, ok := strings.CutPrefix(s, "nested property "); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "property "); ok {
		s = rest
	}
	path, text, found := strings.Cut(s, " ")
	if !found || !isPropertyPath(path) || !startsWithVerb(text) {
		return "", "", false
	}
	name, _ = dottedField(path, "")
	if each {
		text = "each value " + text
	}
	return name, text, true
}

// startsWithVerb reports whether a problem's text starts the way
// class-validator's messages do ("must …", "should …").
func startsWithVerb(s string) bool {
	for _, v := range [...]string{"must ", "should ", "has ", "is ", "are ", "cannot "} {
		if strings.HasPrefix(s, v) {
			return true
		}
	}
	return false
}

// isPropertyPath reports whether s is a property path: identifiers and
// indexes joined by dots ("email", "items.0.qty").
func isPropertyPath(s string) bool {
	if s == "" || len(s) > MaxFieldName || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prev == '.' {
				return false
			}
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '-':
		default:
			return false
		}
		prev = c
	}
	return prev != '.'
}

// fromJoi reads hapi's validation failure as joi words it: validation
// {source, keys} names the fields, and the message, joined with ". ",
// labels each problem with its key in quotes ("\"email\" must be a valid
// email. \"age\" must be …").
func (u *Upstream) fromJoi(d jsonDoc, validation jval, msg string) {
	var source, keysV jval
	it := d.members(validation)
	for k, v, ok := it.next(); ok; k, v, ok = it.next() {
		switch string(d.keyBytes(k)) {
		case "source":
			source = v
		case "keys":
			keysV = v
		}
	}
	part := requestPart(d.rawString(source))
	var keys []string
	ki := d.elements(keysV)
	for v, ok := ki.nextElem(); ok && len(keys) < MaxFields; v, ok = ki.nextElem() {
		if s := d.str(v); s != "" {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		return
	}
	var used uint64 // keys[i] has a labelled problem (len(keys) ≤ MaxFields < 64)
	// Labels start the message or follow ". ".
	type label struct{ key, start, text int }
	var labels [MaxFields]label
	n := 0
	for at := 0; at >= 0 && at < len(msg) && n < len(labels); {
		if msg[at] == '"' {
			for i, k := range keys {
				if strings.HasPrefix(msg[at+1:], k) && strings.HasPrefix(msg[at+1+len(k):], `" `) {
					labels[n] = label{key: i, start: at, text: at + len(k) + 3}
					n++
					break
				}
			}
		}
		next := strings.Index(msg[at+1:], `. "`)
		if next < 0 {
			break
		}
		at += 1 + next + 2
	}
	for i, l := range labels[:n] {
		end := len(msg)
		if i+1 < n {
			end = labels[i+1].start - 2 // before ". "
		}
		name, ptr := dottedField(keys[l.key], part)
		u.addField(Field{Field: name, Message: strings.TrimSpace(msg[l.text:end]), Pointer: ptr})
		used |= 1 << l.key
	}
	for i, k := range keys {
		if used&(1<<i) != 0 {
			continue
		}
		text := "is invalid"
		if len(keys) == 1 && n == 0 { // a custom message for the one key
			text = msg
		}
		name, ptr := dottedField(k, part)
		u.addField(Field{Field: name, Message: text, Pointer: ptr})
	}
}

// fastifyParts are the request parts Fastify names its schema errors by.
var fastifyParts = [...]string{"body", "querystring", "params", "headers"}

// isFastifyMessage reports whether s starts with a Fastify schema error:
// "body/email must …" (or "body must have required property 'email'"
// when not strict).
func isFastifyMessage[T string | []byte](s T, strict bool) bool {
	for _, p := range fastifyParts {
		if len(s) > len(p) && string(s[:len(p)]) == p {
			switch s[len(p)] {
			case '/':
				return true
			case ' ':
				return !strict
			}
		}
	}
	return false
}

// fromFastify reads Fastify's schema validation message: one
// "<part><instancePath> <problem>" per Ajv error, joined with ", "
// ("body/email must match format \"email\", body/age must be >= 18").
func (u *Upstream) fromFastify(msg string) {
	for msg != "" && len(u.Fields) < MaxFields {
		end, next := len(msg), len(msg)
		for from := 0; ; {
			i := strings.Index(msg[from:], ", ")
			if i < 0 {
				break
			}
			i += from
			if isFastifyMessage(msg[i+2:], false) {
				end, next = i, i+2
				break
			}
			from = i + 2
		}
		u.fastifyProblem(msg[:end])
		msg = msg[next:]
	}
}

func (u *Upstream) fastifyProblem(s string) {
	var part string
	for _, p := range fastifyParts {
		if strings.HasPrefix(s, p) {
			part = p
			break
		}
	}
	if part == "" {
		return
	}
	s = s[len(part):]
	path := ""
	if strings.HasPrefix(s, "/") {
		path, s, _ = strings.Cut(s, " ")
	} else {
		s = strings.TrimPrefix(s, " ")
	}
	var name, ptr []byte
	ptr = append(append(ptr, '/'), requestPart([]byte(part))...)
	if path != "" {
		for seg := range strings.SplitSeq(path[1:], "/") {
			if strings.Contains(seg, "~") {
				seg = pointerUnescaper.Replace(seg)
			}
			name = appendNameSeg(name, seg, isIndex(seg))
			ptr = appendPointerSeg(ptr, seg)
		}
	}
	// Ajv's required: "must have required property 'email'".
	if rest, ok := strings.CutPrefix(s, "must have required property '"); ok && strings.HasSuffix(rest, "'") {
		prop := rest[:len(rest)-1]
		name = appendNameSeg(name, prop, false)
		ptr = appendPointerSeg(ptr, prop)
	}
	if len(name) == 0 {
		return // a problem with the whole part ("body must be object"): the message says it
	}
	u.addField(Field{Field: sameOr(name, path[min(1, len(path)):]), Message: s, Pointer: string(ptr)})
}
