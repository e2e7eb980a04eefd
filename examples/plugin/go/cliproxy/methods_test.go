package cliproxy

import (
	"os"
	"regexp"
	"testing"
)

// TestMethodNamesMatchHeader reads the normative header and checks that every method and
// host-callback macro has a Go constant with the same value, and that no constant is
// left over from a macro that no longer exists.
func TestMethodNamesMatchHeader(t *testing.T) {
	header, err := os.ReadFile("../../../../abi/include/cliproxy_plugin.h")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^#define\s+(CLIPROXY_(?:METHOD|HOST)_\w+)\s+"([^"]*)"`)
	matches := re.FindAllStringSubmatch(string(header), -1)
	if len(matches) == 0 {
		t.Fatal("no method macros found in the header")
	}
	seen := map[string]bool{}
	for _, m := range matches {
		name, want := m[1], m[2]
		seen[name] = true
		got, ok := macroNames[name]
		if !ok {
			t.Errorf("%s (%q) has no Go constant in methods.go", name, want)
			continue
		}
		if got != want {
			t.Errorf("%s = %q in Go, %q in the header", name, got, want)
		}
	}
	for name := range macroNames {
		if !seen[name] {
			t.Errorf("methods.go has %s, which the header does not define", name)
		}
	}
	values := map[string]string{}
	for name, v := range macroNames {
		if other, dup := values[v]; dup {
			t.Errorf("%s and %s are both %q", name, other, v)
		}
		values[v] = name
	}
	if ABIVersion != 1 || SchemaVersion != 3 {
		t.Errorf("ABIVersion=%d SchemaVersion=%d, want 1 and 3", ABIVersion, SchemaVersion)
	}
}
