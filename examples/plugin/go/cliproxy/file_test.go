package cliproxy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestAppendJSONLineConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	const writers, perWriter = 16, 50
	// Long lines make interleaving likely if the writes were not whole.
	pad := strings.Repeat("x", 4096)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				if err := AppendJSONLine(path, map[string]any{"w": w, "i": i, "pad": pad}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != writers*perWriter {
		t.Fatalf("%d lines, want %d", len(lines), writers*perWriter)
	}
	seen := map[[2]int]bool{}
	for _, line := range lines {
		var rec struct{ W, I int }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("torn line %.80q: %v", line, err)
		}
		seen[[2]int{rec.W, rec.I}] = true
	}
	if len(seen) != writers*perWriter {
		t.Errorf("%d distinct lines", len(seen))
	}
}

func TestAppendLineErrors(t *testing.T) {
	if err := AppendLine(filepath.Join(t.TempDir(), "no", "such", "dir"), []byte("x")); err == nil {
		t.Error("append into a missing directory succeeded")
	}
	if err := AppendJSONLine(filepath.Join(t.TempDir(), "f"), func() {}); err == nil {
		t.Error("unencodable value accepted")
	}
}
