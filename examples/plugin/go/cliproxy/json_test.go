package cliproxy

import (
	"encoding/json"
	"testing"
)

func TestEncodeJSONKeepsHTMLCharacters(t *testing.T) {
	got, err := EncodeJSON(map[string]string{"a": "<b> & c"})
	if err != nil || string(got) != `{"a":"<b> & c"}` {
		t.Errorf("EncodeJSON = %s, %v", got, err)
	}
	if string(JSONString("x\"<")) != `"x\"<"` {
		t.Errorf("JSONString = %s", JSONString("x\"<"))
	}
	if got := JSONArray([]json.RawMessage{json.RawMessage(`1`), json.RawMessage(`{"a":2}`)}); string(got) != `[1,{"a":2}]` {
		t.Errorf("JSONArray = %s", got)
	}
	if got := JSONArray(nil); string(got) != `[]` {
		t.Errorf("empty JSONArray = %s", got)
	}
}

func TestParseObject(t *testing.T) {
	obj, ok := ParseObject([]byte(" {\"z\": 1, \"a\" : {\"x\": [1, 2]}, \"m\":\"<\\u00e9>\"}\n"))
	if !ok || len(obj) != 3 {
		t.Fatalf("ParseObject = %v, %v", obj, ok)
	}
	// Order and the values' bytes are kept; only the whitespace between members goes.
	if got := string(obj.JSON()); got != `{"z":1,"a":{"x": [1, 2]},"m":"<\u00e9>"}` {
		t.Errorf("JSON() = %s", got)
	}
	if v, ok := obj.Get("a"); !ok || string(v) != `{"x": [1, 2]}` {
		t.Errorf("Get(a) = %s, %v", v, ok)
	}
	if _, ok := obj.Get("missing"); ok {
		t.Error("Get(missing) found something")
	}
	if empty, ok := ParseObject([]byte(`{}`)); !ok || empty == nil || string(empty.JSON()) != `{}` {
		t.Errorf("ParseObject({}) = %v, %v", empty, ok)
	}
	for _, bad := range []string{``, `[]`, `"{}"`, `null`, `{"a":1} {}`, `{"a":1}x`, `{"a":}`, `{"a":1`, `{1:2}`} {
		if _, ok := ParseObject([]byte(bad)); ok {
			t.Errorf("ParseObject(%s) accepted", bad)
		}
	}
}

func TestObjectSet(t *testing.T) {
	obj, _ := ParseObject([]byte(`{"a":1,"b":2,"a":3}`))
	if got := string(obj.Set("a", json.RawMessage(`"x"`)).JSON()); got != `{"a":"x","b":2}` {
		t.Errorf("replace = %s", got)
	}
	if got := string(obj.Set("c", json.RawMessage(`true`)).JSON()); got != `{"c":true,"a":1,"b":2,"a":3}` {
		t.Errorf("new key = %s", got)
	}
	if got := string(Object{}.Set("c", json.RawMessage(`1`)).JSON()); got != `{"c":1}` {
		t.Errorf("new key in an empty object = %s", got)
	}
	if got := string(obj.JSON()); got != `{"a":1,"b":2,"a":3}` {
		t.Errorf("Set changed its receiver: %s", got)
	}
	if raw, err := json.Marshal(map[string]Object{"o": obj.Set("b", json.RawMessage(`null`))}); err != nil ||
		string(raw) != `{"o":{"a":1,"b":null,"a":3}}` {
		t.Errorf("as a json.Marshaler: %s, %v", raw, err)
	}
}

func TestInsertFirstKey(t *testing.T) {
	cases := map[string]string{
		`{"a":1}`:                `{"x_after":"go","a":1}`,
		`  {"a":1}` + "\n":       `  {"x_after":"go","a":1}` + "\n",
		`{ "a" : [1, {"b":2}] }`: `{"x_after":"go", "a" : [1, {"b":2}] }`,
		`{}`:                     `{"x_after":"go"}`,
		"{ \n }":                 "{\"x_after\":\"go\" \n }",
		`{"x_after":"old"}`:      `{"x_after":"go","x_after":"old"}`,
	}
	for in, want := range cases {
		got, ok := InsertFirstKey([]byte(in), "x_after", "go")
		if !ok || string(got) != want {
			t.Errorf("InsertFirstKey(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if !json.Valid(got) {
			t.Errorf("InsertFirstKey(%q) is not valid JSON", in)
		}
	}
	for _, bad := range []string{``, `[{"a":1}]`, `"{x}"`, `null`, `{"a":1`, `data: {"a":1}`, `{"a":1}{}`} {
		if got, ok := InsertFirstKey([]byte(bad), "k", "v"); ok || got != nil {
			t.Errorf("InsertFirstKey(%q) = %q, %v; want a refusal", bad, got, ok)
		}
	}
	if got, _ := InsertFirstKey([]byte(`{}`), "k", map[string]int{"n": 1}); string(got) != `{"k":{"n":1}}` {
		t.Errorf("object value: %s", got)
	}
}
