package cliproxy

import (
	"os"
	"sync"
)

// appendMu serialises AppendLine within this plugin. O_APPEND alone makes each write(2)
// land at the end of the file, but os.File.Write may need several writes for one line
// (a short write), and those could interleave with another thread's line.
var appendMu sync.Mutex

// AppendLine appends line and a newline to the file at path, creating it (mode 0644)
// when missing. The file is opened for every line, so a changed path (reconfigure) or a
// rotated file is picked up at once.
//
// Lines stay whole when handlers call it concurrently: within the plugin through
// appendMu, and against other writers (another plugin, another process) because the
// line goes out as one write on an O_APPEND descriptor. line itself must not contain a
// newline.
func AppendLine(path string, line []byte) error {
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')

	appendMu.Lock()
	defer appendMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// AppendJSONLine appends v, encoded as one line of compact JSON (EncodeJSON), to the
// file at path (AppendLine).
func AppendJSONLine(path string, v any) error {
	line, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	return AppendLine(path, line)
}
