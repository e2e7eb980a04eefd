package cliproxy

import (
	"strconv"
	"strings"
)

// ConfigValue returns the value of a top-level scalar line `key: value` of the plugin's
// config YAML (LifecycleRequest.ConfigYAML), or "" when there is none.
//
// The host sends the plugin's config subtree as YAML text. This is deliberately not a
// YAML parser (the examples stay on the standard library): it reads unindented lines
// only, strips one pair of surrounding quotes ("..." with Go/JSON escapes, '...' with two
// single quotes for one), drops a trailing " # comment" from unquoted values, and reads
// ~ and null as "". Nested mappings, lists, block scalars and anchors are not understood;
// a plugin with a richer config should use a real YAML library.
func ConfigValue(yaml, key string) string {
	for _, line := range strings.Split(yaml, "\n") {
		line = strings.TrimRight(line, "\r")
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		return scalar(strings.TrimSpace(rest[1:]))
	}
	return ""
}

// scalar unquotes one inline YAML scalar.
func scalar(v string) string {
	switch {
	case strings.HasPrefix(v, `"`):
		if end := closingDoubleQuote(v); end > 0 {
			if s, err := strconv.Unquote(v[:end+1]); err == nil {
				return s
			}
			return v[1:end]
		}
	case strings.HasPrefix(v, "'"):
		for i := 1; i < len(v); i++ {
			if v[i] != '\'' {
				continue
			}
			if i+1 < len(v) && v[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return strings.ReplaceAll(v[1:i], "''", "'")
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	if strings.HasPrefix(v, "#") || v == "~" || v == "null" {
		return "" // only a comment, or YAML null
	}
	return v
}

// closingDoubleQuote returns the index of the quote that ends the double-quoted scalar
// starting at v[0], or -1.
func closingDoubleQuote(v string) int {
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
