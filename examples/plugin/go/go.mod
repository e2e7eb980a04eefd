module cliproxy.dev/examples/plugin

go 1.26
