package requestvalidation

import "github.com/errorpages/caddy-errorpages/validation"

// SharedSpec returns the OpenAPI document at path compiled with
// request_validation's default options, from the documents this package
// shares (documents.go): a request_validation with default options on the
// same file, in this config or the one before it, compiles it once for
// both. Call release when the caller's config is cleaned up.
func SharedSpec(path string) (spec *validation.Spec, release func() error, err error) {
	h := &Handler{OpenAPI: path}
	if err := h.setDefaults(); err != nil {
		return nil, nil, err
	}
	d, key, err := h.acquire()
	if err != nil {
		return nil, nil, err
	}
	return d.spec, func() error {
		_, err := documents.Delete(key)
		return err
	}, nil
}
