//go:build !unix

package validation

// openNonBlock is 0 where opening a named pipe does not block.
const openNonBlock = 0
