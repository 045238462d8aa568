//go:build unix

package validation

import "syscall"

// openNonBlock opens a file without blocking: a named pipe put where a
// document was would otherwise stall the open until a writer comes.
const openNonBlock = syscall.O_NONBLOCK
