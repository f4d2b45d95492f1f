package cliente

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Field names, as the JSON spells them.
const (
	Nombres   = "nombres"
	Apellidos = "apellidos"
	Telefono  = "telefono"
	Email     = "email"
)

// Errors a request body can earn, in the order the contract checks them.
var (
	// ErrSyntax: not JSON, not one JSON object, invalid UTF-8 or a key
	// repeated in one object.
	ErrSyntax = errors.New("cliente: body is not a single valid JSON object")
	// ErrNoChanges: an update that names no field.
	ErrNoChanges = errors.New("cliente: update names no field")
)

// FieldErrors maps each faulty field to why, in Spanish, for the API's
// "errors" object.
type FieldErrors map[string]string

func (e FieldErrors) Error() string { return "cliente: invalid fields" }

// Field is one optional field of a body. Set tells whether the body named it;
// Value is nil when the body sent null.
type Field struct {
	Set   bool
	Value *string
}

// Changes holds the fields a body sets, already trimmed and checked.
type Changes struct {
	Nombres, Apellidos, Telefono, Email Field
}

// Empty reports whether no field is set.
func (c Changes) Empty() bool {
	return !c.Nombres.Set && !c.Apellidos.Set && !c.Telefono.Set && !c.Email.Set
}

// DecodeCreate reads the body of a create: nombres and apellidos are required.
func DecodeCreate(body []byte) (Changes, error) {
	c, errs, err := decode(body)
	if err != nil {
		return Changes{}, err
	}
	for _, f := range []struct {
		name  string
		field Field
	}{{Nombres, c.Nombres}, {Apellidos, c.Apellidos}} {
		if !f.field.Set {
			errs.add(f.name, "es obligatorio")
		}
	}
	if len(errs) > 0 {
		return Changes{}, errs
	}
	return c, nil
}

// DecodeUpdate reads the body of an update: every field is optional, but at
// least one must be given.
func DecodeUpdate(body []byte) (Changes, error) {
	c, errs, err := decode(body)
	if err != nil {
		return Changes{}, err
	}
	if len(errs) > 0 {
		return Changes{}, errs
	}
	if c.Empty() {
		return Changes{}, ErrNoChanges
	}
	return c, nil
}

func (e *FieldErrors) add(field, why string) {
	if *e == nil {
		*e = FieldErrors{}
	}
	if _, ok := (*e)[field]; !ok {
		(*e)[field] = why
	}
}

// decode checks the syntax of the whole body, then the rules of each field.
// Syntax errors win over field errors, which are all collected.
func decode(body []byte) (Changes, FieldErrors, error) {
	members, err := readObject(body)
	if err != nil {
		return Changes{}, nil, err
	}
	var c Changes
	var errs FieldErrors
	for _, m := range members {
		var dst *Field
		var check func(string) string
		nullable := false
		switch m.name {
		case Nombres:
			dst, check = &c.Nombres, checkName
		case Apellidos:
			dst, check = &c.Apellidos, checkName
		case Telefono:
			dst, check, nullable = &c.Telefono, checkTelefono, true
		case Email:
			dst, check, nullable = &c.Email, checkEmail, true
		default:
			errs.add(m.name, "campo no permitido")
			continue
		}
		switch m.kind {
		case kindNull:
			if !nullable {
				errs.add(m.name, "no puede ser nulo")
				continue
			}
			*dst = Field{Set: true}
		case kindString:
			v := strings.TrimFunc(m.str, unicode.IsSpace)
			if why := check(v); why != "" {
				errs.add(m.name, why)
				continue
			}
			*dst = Field{Set: true, Value: &v}
		default:
			if nullable {
				errs.add(m.name, "debe ser texto o null")
			} else {
				errs.add(m.name, "debe ser texto")
			}
		}
	}
	return c, errs, nil
}

func checkName(v string) string {
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		return "no puede estar vacío"
	case n > 100:
		return "debe tener como máximo 100 caracteres"
	case hasControl(v):
		return "no puede contener caracteres de control"
	}
	return ""
}

// checkTelefono applies the contract's ^\+?[0-9()\- ]+$ with 7 to 15 digits,
// by hand: a regexp compiled at start-up would cost every function's cold
// start, most of which never see a telefono.
func checkTelefono(v string) string {
	if v == "" {
		return "no puede estar vacío"
	}
	digits, ok := 0, true
	for _, c := range []byte(strings.TrimPrefix(v, "+")) {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '(' || c == ')' || c == '-' || c == ' ':
		default:
			ok = false
		}
	}
	if !ok || digits < 7 || digits > 15 {
		return "debe tener de 7 a 15 dígitos, con un + inicial opcional y solo espacios, guiones o paréntesis entre ellos"
	}
	return ""
}

func checkEmail(v string) string {
	switch {
	case v == "":
		return "no puede estar vacío"
	case utf8.RuneCountInString(v) > 254:
		return "debe tener como máximo 254 caracteres"
	case strings.IndexByte(v, '@') > 64 || !emailPattern().MatchString(v):
		return "debe ser una dirección de correo válida, como nombre@dominio.com"
	}
	return ""
}

// EmailPattern is what a trimmed email must match: a dot-atom local part
// and a host name of letters, digits and hyphens whose last label starts
// with a letter and has two characters at least. It is stricter than RFC 5322
// (no quoted local parts, no address literals, ASCII only) so that
// openapi.yaml can say it exactly. The local part also has 64 characters at
// most (RFC 5321), checked apart.
const EmailPattern = `^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*` +
	`@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])$`

// emailPattern compiles on first use, not at start-up, where it would add
// about a third of a millisecond to the cold start of every function.
var emailPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(EmailPattern) })

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

type kind int

const (
	kindOther kind = iota
	kindString
	kindNull
)

type member struct {
	name string
	kind kind
	str  string
}

// readObject returns the members of the single JSON object that body must be.
// encoding/json alone would accept repeated keys (keeping the last) and would
// replace invalid UTF-8 silently; the contract rejects both, so the whole body
// is walked token by token.
func readObject(body []byte) ([]member, error) {
	if !utf8.Valid(body) || !pairedSurrogates(body) {
		return nil, ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a huge number is still JSON, just the wrong type
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, ErrSyntax
	}
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, ErrSyntax
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, ErrSyntax
		}
		seen[name] = true
		m := member{name: name}
		tok, err = dec.Token()
		if err != nil {
			return nil, ErrSyntax
		}
		switch v := tok.(type) {
		case string:
			m.kind, m.str = kindString, v
		case nil:
			m.kind = kindNull
		case json.Delim:
			if err := skipComposite(dec, v); err != nil {
				return nil, ErrSyntax
			}
		}
		members = append(members, m)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, ErrSyntax
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrSyntax
	}
	return members, nil
}

// pairedSurrogates reports whether every \u escape of a UTF-16 surrogate in
// body is half of a pair. encoding/json would turn a lone one into U+FFFD and
// store it silently; like invalid UTF-8, it is refused. Backslashes can only
// stand inside strings, so a plain scan finds every escape.
func pairedSurrogates(body []byte) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		r := escapedRune(body, i)
		switch {
		case r < 0: // not a \u escape: skip the escaped byte
			i++
		case utf16.IsSurrogate(r):
			if r >= 0xdc00 || escapedRune(body, i+6) < 0xdc00 || escapedRune(body, i+6) > 0xdfff {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

// escapedRune reads the \uXXXX escape at body[i:], or returns -1.
func escapedRune(body []byte, i int) rune {
	if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range body[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

// skipComposite reads to the end of the array or object just opened, still
// rejecting repeated keys at any depth. It keeps its own stack, so depth costs
// heap, not goroutine stack.
func skipComposite(dec *json.Decoder, open json.Delim) error {
	type frame struct {
		keys      map[string]bool // nil for an array
		expectKey bool
	}
	push := func(stack []frame, d json.Delim) []frame {
		if d == '{' {
			return append(stack, frame{keys: map[string]bool{}, expectKey: true})
		}
		return append(stack, frame{})
	}
	stack := push(nil, open)
	for len(stack) > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		top := &stack[len(stack)-1]
		if top.keys != nil {
			if top.expectKey {
				name, _ := tok.(string)
				if top.keys[name] {
					return ErrSyntax
				}
				top.keys[name] = true
				top.expectKey = false
				continue
			}
			top.expectKey = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = push(stack, d)
		}
	}
	return nil
}
