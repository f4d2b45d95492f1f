package releases

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is one stored item.
type Item = map[string]types.AttributeValue

// Table is the part of a DynamoDB client that reads a whole table and
// writes items into one.
type Table interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Scan reads every item of table, with consistent reads, ordered by pk and
// id.
func Scan(ctx context.Context, db Table, table string) ([]Item, error) {
	var items []Item
	in := &dynamodb.ScanInput{TableName: &table, ConsistentRead: aws.Bool(true)}
	for {
		out, err := db.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	sort.Slice(items, func(i, j int) bool {
		ki, kj := str(items[i], "pk")+"\x00"+str(items[i], "id"), str(items[j], "pk")+"\x00"+str(items[j], "id")
		return ki < kj
	})
	return items, nil
}

// Put writes items into table as they are, one PutItem each.
func Put(ctx context.Context, db Table, table string, items []Item) error {
	for _, it := range items {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: it}); err != nil {
			return fmt.Errorf("put %s/%s into %s: %w", str(it, "pk"), str(it, "id"), table, err)
		}
	}
	return nil
}

func str(it Item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Kind is an item's kind, its partition key: "cliente", "contador",
// "idempotencia".
func Kind(it Item) string { return str(it, "pk") }

// FixturePath is where the items release version stores are kept:
// internal/releases/testdata/<version>/items.json.
func FixturePath(version string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "internal", "releases", "testdata", version, "items.json"), nil
}

// ReadFixture reads the items captured from release version.
func ReadFixture(version string) ([]Item, error) {
	p, err := FixturePath(version)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("fixture of release %s: %w (capture it: see capture_test.go)", version, err)
	}
	return UnmarshalItems(b)
}

// WriteFixture writes the items captured from release version.
func WriteFixture(version string, items []Item) error {
	p, err := FixturePath(version)
	if err != nil {
		return err
	}
	b, err := MarshalItems(items)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// MarshalItems writes items in DynamoDB JSON (as the AWS CLI prints them:
// {"name": {"S": "…"}}), one item a line, attributes in name order.
func MarshalItems(items []Item) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, it := range items {
		m := make(map[string]any, len(it))
		for name, v := range it {
			j, err := toJSON(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			m[name] = j
		}
		b, err := json.Marshal(m) // maps marshal in key order
		if err != nil {
			return nil, err
		}
		buf.WriteString("  ")
		buf.Write(b)
		if i < len(items)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

// UnmarshalItems reads what MarshalItems wrote.
func UnmarshalItems(b []byte) ([]Item, error) {
	var raw []map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	items := make([]Item, len(raw))
	for i, r := range raw {
		items[i] = Item{}
		for name, v := range r {
			av, err := fromJSON(v)
			if err != nil {
				return nil, fmt.Errorf("item %d, %s: %w", i, name, err)
			}
			items[i][name] = av
		}
	}
	return items, nil
}

func toJSON(v types.AttributeValue) (any, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]string{"S": v.Value}, nil
	case *types.AttributeValueMemberN:
		return map[string]string{"N": v.Value}, nil
	case *types.AttributeValueMemberNULL:
		return map[string]bool{"NULL": v.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return map[string]bool{"BOOL": v.Value}, nil
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			j, err := toJSON(e)
			if err != nil {
				return nil, err
			}
			m[k] = j
		}
		return map[string]any{"M": m}, nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			j, err := toJSON(e)
			if err != nil {
				return nil, err
			}
			l[i] = j
		}
		return map[string]any{"L": l}, nil
	}
	return nil, fmt.Errorf("attribute type %T is not kept in fixtures", v)
}

func fromJSON(raw map[string]json.RawMessage) (types.AttributeValue, error) {
	if len(raw) != 1 {
		return nil, fmt.Errorf("an attribute value has exactly one type, not %d", len(raw))
	}
	for typ, v := range raw {
		switch typ {
		case "S", "N":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
			if typ == "S" {
				return &types.AttributeValueMemberS{Value: s}, nil
			}
			return &types.AttributeValueMemberN{Value: s}, nil
		case "NULL", "BOOL":
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, err
			}
			if typ == "NULL" {
				return &types.AttributeValueMemberNULL{Value: b}, nil
			}
			return &types.AttributeValueMemberBOOL{Value: b}, nil
		case "M":
			var m map[string]map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return nil, err
			}
			out := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
			for k, e := range m {
				av, err := fromJSON(e)
				if err != nil {
					return nil, err
				}
				out.Value[k] = av
			}
			return out, nil
		case "L":
			var l []map[string]json.RawMessage
			if err := json.Unmarshal(v, &l); err != nil {
				return nil, err
			}
			out := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, len(l))}
			for i, e := range l {
				av, err := fromJSON(e)
				if err != nil {
					return nil, err
				}
				out.Value[i] = av
			}
			return out, nil
		}
		return nil, fmt.Errorf("attribute type %q is not kept in fixtures", typ)
	}
	panic("unreachable")
}

// Shapes describes items by what varies between releases, not between runs:
// each item's kind and its attributes' names and types, one line an item,
// sorted ("cliente: apellidos:S created_at:S …").
func Shapes(items []Item) []string {
	shapes := make([]string, len(items))
	for i, it := range items {
		attrs := make([]string, 0, len(it))
		for name, v := range it {
			attrs = append(attrs, name+":"+typeOf(v))
		}
		sort.Strings(attrs)
		shapes[i] = Kind(it) + ": " + strings.Join(attrs, " ")
	}
	sort.Strings(shapes)
	return shapes
}

// typeOf is a value's DynamoDB type: S, N, NULL, BOOL, M, L, or another.
func typeOf(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberM:
		return "M"
	case *types.AttributeValueMemberL:
		return "L"
	}
	return fmt.Sprintf("%T", v)
}
