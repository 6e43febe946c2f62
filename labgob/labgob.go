// Package labgob is encoding/gob with the two classic lab mistakes caught.
//
// The API is the course's:
//
//	enc := labgob.NewEncoder(w)   // enc.Encode(v), enc.EncodeValue(rv)
//	dec := labgob.NewDecoder(r)   // dec.Decode(&v)
//	labgob.Register(v)            // like gob.Register
//	labgob.RegisterName(name, v)  // like gob.RegisterName
//
// It catches, and reports once per type and field on stderr:
//
//   - A struct field whose name starts with a lower-case letter. gob silently
//     drops such fields, so an RPC argument or a persisted field would arrive
//     as its zero value. The check walks nested structs, pointers, slices,
//     arrays and maps. Types that encode themselves (GobEncoder,
//     BinaryMarshaler, such as time.Time) are not looked into.
//   - Decoding into a variable that already holds a non-default value. gob
//     does not write fields that arrive as their zero value, so the old value
//     would survive: the classic bug of reusing a reply struct across RPCs.
//
// Decode never panics on bad input: garbage, truncated or hostile bytes come
// back as an error.
package labgob

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"
	"unicode"
	"unicode/utf8"
)

// warnings remembers what has been reported, so each problem is printed once.
var warnings = struct {
	sync.Mutex
	out  io.Writer
	seen map[string]bool
	n    int // how many distinct warnings were printed
}{out: os.Stderr, seen: map[string]bool{}}

// warnOnce prints msg on the warnings output unless key was reported already.
func warnOnce(key, msg string) {
	warnings.Lock()
	defer warnings.Unlock()
	if warnings.seen[key] {
		return
	}
	warnings.seen[key] = true
	warnings.n++
	fmt.Fprintln(warnings.out, msg)
}

// LabEncoder is a gob encoder that checks the types it encodes.
type LabEncoder struct {
	gob *gob.Encoder
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w io.Writer) *LabEncoder {
	return &LabEncoder{gob: gob.NewEncoder(w)}
}

// Encode checks the type of e for lower-case fields, then encodes it.
func (enc *LabEncoder) Encode(e any) error {
	checkValue(e)
	return enc.gob.Encode(e)
}

// EncodeValue is Encode for a reflect.Value.
func (enc *LabEncoder) EncodeValue(value reflect.Value) error {
	if value.IsValid() {
		checkType(value.Type())
	}
	return enc.gob.EncodeValue(value)
}

// LabDecoder is a gob decoder that checks the variables it decodes into.
type LabDecoder struct {
	gob *gob.Decoder
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *LabDecoder {
	return &LabDecoder{gob: gob.NewDecoder(r)}
}

// Decode decodes the next value into e, which must be a non-nil pointer.
// It warns if *e already holds a non-default value. Malformed input is an
// error, never a panic.
func (dec *LabDecoder) Decode(e any) (err error) {
	checkValue(e)
	checkDefault(e)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("labgob: decode failed: %v", r)
		}
	}()
	return dec.gob.Decode(e)
}

// Register records a concrete type that travels inside an interface value,
// as gob.Register does, after checking it for lower-case fields.
func Register(value any) {
	checkValue(value)
	gob.Register(value)
}

// RegisterName is Register with an explicit name, as gob.RegisterName.
func RegisterName(name string, value any) {
	checkValue(value)
	gob.RegisterName(name, value)
}

func checkValue(value any) {
	if value == nil {
		return
	}
	checkType(reflect.TypeOf(value))
}

// checked holds the types already walked by checkType.
var checked sync.Map // reflect.Type -> bool

var (
	gobEncoderType    = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalType = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// checkType reports every lower-case field reachable from t.
func checkType(t reflect.Type) {
	if _, done := checked.LoadOrStore(t, true); done {
		return
	}
	if t.Implements(gobEncoderType) || t.Implements(binaryMarshalType) ||
		reflect.PointerTo(t).Implements(gobEncoderType) || reflect.PointerTo(t).Implements(binaryMarshalType) {
		return // encodes itself; its fields are its own business
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			r, _ := utf8.DecodeRuneInString(f.Name)
			if !unicode.IsUpper(r) {
				warnOnce("lower:"+t.String()+"."+f.Name, fmt.Sprintf(
					"labgob error: lower-case field %s of %s in RPC or persist/snapshot will break your Raft",
					f.Name, t))
				continue
			}
			checkType(f.Type)
		}
	case reflect.Slice, reflect.Array, reflect.Pointer:
		checkType(t.Elem())
	case reflect.Map:
		checkType(t.Key())
		checkType(t.Elem())
	}
}

// checkDefault warns if the variable that e points to is not at its zero
// value, naming the first offending field.
func checkDefault(e any) {
	if e == nil {
		return
	}
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return // gob itself rejects this with an error
	}
	checkDefaultValue(v.Elem(), v.Elem().Type().String(), 1)
}

func checkDefaultValue(v reflect.Value, name string, depth int) {
	if depth > 4 {
		return
	}
	t := v.Type()
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			checkDefaultValue(v.Field(i), name+"."+f.Name, depth+1)
		}
		return
	}
	if !v.IsZero() {
		warnOnce("default:"+name, fmt.Sprintf(
			"labgob warning: Decoding into a non-default variable/field %s may not work", name))
	}
}
