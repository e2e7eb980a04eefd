package cliproxy

import "testing"

func TestConfigValue(t *testing.T) {
	yaml := "enabled: true\npriority: 1\nprefix: \"[echo] \"\nnested:\n    prefix: inner\n" +
		"plain: hello world # a comment\nsingle: 'it''s'\nempty:\nnull_value: ~\ncomment_only: # x\n" +
		"prefixes: other\r\nescaped: \"a\\\"b\\n\"\n"
	cases := map[string]string{
		"prefix":       "[echo] ",
		"enabled":      "true",
		"priority":     "1",
		"plain":        "hello world",
		"single":       "it's",
		"empty":        "",
		"null_value":   "",
		"comment_only": "",
		"prefixes":     "other",
		"escaped":      "a\"b\n",
		"missing":      "",
		"nested":       "",
	}
	for key, want := range cases {
		if got := ConfigValue(yaml, key); got != want {
			t.Errorf("ConfigValue(%q) = %q, want %q", key, got, want)
		}
	}
	if got := ConfigValue("    prefix: indented\n", "prefix"); got != "" {
		t.Errorf("indented key read as top-level: %q", got)
	}
}
