package cliproxy

import (
	"strconv"
	"strings"
)

// Config is the YAML text of a plugin's config (LifecycleRequest.ConfigYAML), with typed
// readers for its top-level scalars (see ConfigValue for what is understood).
type Config string

// Value returns the scalar at key, or fallback when the key is missing or empty: an
// example's defaults apply to "key:" as much as to an absent key.
func (c Config) Value(key, fallback string) string {
	if v := ConfigValue(string(c), key); v != "" {
		return v
	}
	return fallback
}

// List reads a comma-separated list (the examples' stand-in for YAML sequences, which
// ConfigValue does not parse): entries are trimmed and empty ones dropped. fallback, read
// the same way, applies when the key is missing or empty.
func (c Config) List(key, fallback string) []string {
	var out []string
	for _, item := range strings.Split(c.Value(key, fallback), ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Bool reports whether key holds a YAML true (true/True/TRUE, and YAML 1.1's yes and on).
func (c Config) Bool(key string) bool {
	switch strings.ToLower(ConfigValue(string(c), key)) {
	case "true", "yes", "on":
		return true
	}
	return false
}

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
