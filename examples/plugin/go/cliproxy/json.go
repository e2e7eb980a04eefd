package cliproxy

import (
	"bytes"
	"encoding/json"
	"io"
)

// EncodeJSON encodes v as compact JSON the way an upstream API would write a body: unlike
// json.Marshal it leaves <, > and & unescaped (the envelope around a base64 body does not
// care, and clients then see the text as written).
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Object is a JSON object whose members keep their order and their values exactly as
// written. Plugins that change one key of a client's body use it instead of a map, which
// would sort the keys and re-encode every value.
type Object []Member

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value json.RawMessage
}

// ParseObject parses data as one JSON object (surrounding whitespace allowed). ok is
// false when data is anything else: another JSON value, invalid JSON, or trailing data.
func ParseObject(data []byte) (obj Object, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	obj = Object{} // {} parses to an empty, non-nil Object
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string) // inside an object the decoder only yields string keys
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false
		}
		obj = append(obj, Member{Key: key, Value: value})
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return obj, true
}

// Get returns the value of the first member named key.
func (o Object) Get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// Set gives key the value. The first member of that name keeps its position and later
// duplicates are dropped (a reader would otherwise see the last one); a new key goes
// first, where InsertFirstKey puts the examples' keys too.
func (o Object) Set(key string, value json.RawMessage) Object {
	out := make(Object, 0, len(o)+1)
	found := false
	for _, m := range o {
		if m.Key != key {
			out = append(out, m)
		} else if !found {
			out = append(out, Member{Key: key, Value: value})
			found = true
		}
	}
	if !found {
		out = append(Object{{Key: key, Value: value}}, out...)
	}
	return out
}

// JSON returns the object encoded, members in order and each value as stored. It cannot
// fail: keys are strings and values are already JSON (as long as Set was given valid JSON).
func (o Object) JSON() json.RawMessage {
	out := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, JSONString(m.Key)...)
		out = append(out, ':')
		out = append(out, m.Value...)
	}
	return append(out, '}')
}

// MarshalJSON implements json.Marshaler with JSON.
func (o Object) MarshalJSON() ([]byte, error) { return o.JSON(), nil }

// JSONString returns s as a JSON string, with <, > and & unescaped (see EncodeJSON).
func JSONString(s string) json.RawMessage {
	out, _ := EncodeJSON(s) // a string always encodes
	return out
}

// JSONArray returns the JSON array of the given values, in order.
func JSONArray(values []json.RawMessage) json.RawMessage {
	out := []byte{'['}
	for i, v := range values {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, v...)
	}
	return append(out, ']')
}

// InsertFirstKey returns body with the member key:value inserted right after the opening
// { of the object, every other byte unchanged: `{"a":1}` becomes `{"key":"value","a":1}`
// (and `{}` becomes `{"key":"value"}`). ok is false, and body is not used, when body is
// not a single valid JSON object. An existing member named key is left in place: the
// examples add keys that upstream bodies do not have.
func InsertFirstKey(body []byte, key string, value any) (out []byte, ok bool) {
	if !json.Valid(body) {
		return nil, false
	}
	open := bytes.IndexByte(body, '{')
	if open < 0 || len(bytes.TrimSpace(body[:open])) > 0 {
		return nil, false // another kind of value (a string or array may contain a {)
	}
	k := JSONString(key)
	v, err := EncodeJSON(value)
	if err != nil {
		return nil, false
	}
	rest := body[open+1:]
	out = make([]byte, 0, len(body)+len(k)+len(v)+2)
	out = append(out, body[:open+1]...)
	out = append(out, k...)
	out = append(out, ':')
	out = append(out, v...)
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '}' {
		out = append(out, ',') // no comma before the } of an empty object
	}
	return append(out, rest...), true
}
