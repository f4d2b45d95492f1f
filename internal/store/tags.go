package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/cliente"
)

// Items of three releases share the table (CHANGELOG.md has their shapes):
// 1.0.0 wrote clientes without an entity tag, and its updates never touch
// one; 1.1.0 writes a new `etag` with every write; this release does too and
// stamps beside it a copy of what the tag describes. A tag is current while
// the item still holds what was stamped with it, so a write by 1.0.0 (which
// runs beside this release for the minutes of a stack update) makes it stale,
// while a write by 1.1.0 (beside it for a canary's minutes), which renews
// `etag` and leaves the stamp behind, is told apart by the stamp naming
// another tag. Conditions compare the stamp with the item's own attributes,
// so checking a tag costs no read.
const stampPrefix = "sello_"

// stamped are the attributes a tag describes and its stamp copies: the tag
// itself and everything 1.0.0 can write. The copy of the fields, not only of
// updated_at, catches a 1.0.0 write within the millisecond of ours.
var stamped = []string{etagAttr, "updated_at", cliente.Nombres, cliente.Apellidos, cliente.Telefono, cliente.Email}

// nullable are the fields stored as NULL when empty: this release never
// leaves them absent, so a stamp always has both sides to compare.
var nullable = []string{cliente.Telefono, cliente.Email}

// Attribute types for attribute_type(), as DynamoDB names them.
const (
	typeS    = ":tipo_s"
	typeNULL = ":tipo_null"
)

// typeOperand registers one of them, as DynamoDB refuses unused values.
func typeOperand(values map[string]types.AttributeValue, op string) string {
	values[op] = &types.AttributeValueMemberS{Value: map[string]string{typeS: "S", typeNULL: "NULL"}[op]}
	return op
}

// name registers attr as "#attr" and returns the placeholder.
func name(names map[string]string, attr string) string {
	names["#"+attr] = attr
	return "#" + attr
}

// currentTagIn is the condition "the cliente's current entity tag is one of
// tags". It is the one definition of a current tag inside DynamoDB: If-Match
// holds it, If-None-Match its negation.
func currentTagIn(names map[string]string, values map[string]types.AttributeValue, tags []string) string {
	if len(tags) == 0 {
		tags = []string{"-"} // no tag is "-": the condition can only fail
	}
	// Operands not yet taken: If-Match and If-None-Match may both be in
	// one condition.
	operands := make([]string, len(tags))
	n := 0
	for i, tag := range tags {
		for {
			operands[i] = ":t" + strconv.Itoa(n)
			n++
			if _, taken := values[operands[i]]; !taken {
				break
			}
		}
		values[operands[i]] = &types.AttributeValueMemberS{Value: tag}
	}
	etag, stampTag := name(names, etagAttr), name(names, stampPrefix+etagAttr)
	same := make([]string, 0, len(stamped)-1)
	for _, attr := range stamped[1:] {
		a, s := name(names, attr), name(names, stampPrefix+attr)
		eq := s + " = " + a
		if slices.Contains(nullable, attr) {
			null := typeOperand(values, typeNULL)
			eq = "(" + eq + " OR (attribute_type(" + s + ", " + null + ") AND attribute_type(" + a + ", " + null + ")))"
		}
		same = append(same, eq)
	}
	return "(" + etag + " IN (" + strings.Join(operands, ", ") + ") AND (attribute_not_exists(" + stampTag + ") OR " +
		stampTag + " <> " + etag + " OR (" + strings.Join(same, " AND ") + ")))"
}

// readable is the condition that the item is a cliente this code can read,
// so that a write never lands on an item whose answer would be a 500.
func readable(names map[string]string, values map[string]types.AttributeValue) string {
	str, null := typeOperand(values, typeS), typeOperand(values, typeNULL)
	parts := []string{}
	for _, attr := range []string{cliente.Nombres, cliente.Apellidos, "created_at", "updated_at"} {
		parts = append(parts, "attribute_type("+name(names, attr)+", "+str+")")
	}
	for _, attr := range nullable {
		a := name(names, attr)
		parts = append(parts, "(attribute_not_exists("+a+") OR attribute_type("+a+", "+str+") OR attribute_type("+a+", "+null+"))")
	}
	return strings.Join(parts, " AND ")
}

// tagIsCurrent reports whether item's stored tag describes it: there is one,
// and no 1.0.0 write came after this release stamped it. The Go twin of
// currentTagIn.
func tagIsCurrent(item map[string]types.AttributeValue) bool {
	tag, ok := item[etagAttr].(*types.AttributeValueMemberS)
	if !ok || !IsETag(tag.Value) {
		return false
	}
	st, ok := item[stampPrefix+etagAttr].(*types.AttributeValueMemberS)
	if !ok || st.Value != tag.Value {
		return true // never stamped, or renewed by 1.1.0 since
	}
	for _, attr := range stamped[1:] {
		if !sameValue(item[stampPrefix+attr], item[attr]) {
			return false
		}
	}
	return true
}

// sameValue compares the S or NULL values this table holds.
func sameValue(a, b types.AttributeValue) bool {
	switch a := a.(type) {
	case *types.AttributeValueMemberS:
		b, ok := b.(*types.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *types.AttributeValueMemberNULL:
		_, ok := b.(*types.AttributeValueMemberNULL)
		return ok
	}
	return false
}

// stamp adds to item the stamp of its own values, and NULL for absent
// nullable fields.
func stamp(item map[string]types.AttributeValue) {
	for _, attr := range nullable {
		if _, ok := item[attr]; !ok {
			item[attr] = &types.AttributeValueMemberNULL{Value: true}
		}
	}
	for _, attr := range stamped {
		item[stampPrefix+attr] = item[attr]
	}
}

// unchanged is the condition that the item still holds item's values of the
// stamped attributes, the ones any release writes.
func unchanged(item map[string]types.AttributeValue, names map[string]string, values map[string]types.AttributeValue) string {
	parts := []string{"attribute_exists(" + name(names, SortKey) + ")"}
	for i, attr := range stamped {
		a := name(names, attr)
		switch v := item[attr].(type) {
		case nil:
			parts = append(parts, "attribute_not_exists("+a+")")
		case *types.AttributeValueMemberNULL:
			parts = append(parts, "attribute_type("+a+", "+typeOperand(values, typeNULL)+")")
		default:
			op := ":antes" + strconv.Itoa(i)
			values[op] = v
			parts = append(parts, a+" = "+op)
		}
	}
	return strings.Join(parts, " AND ")
}

// retag gives item, as read, the entity tag tag and its stamp, provided no
// write came in between; it returns the cliente with that tag, or
// errChanged. With the item's own tag, it only stamps it. It serves clientes an earlier release wrote (no tag, or one a
// 1.0.0 write made stale): on the GET that first hands out their tag, in the
// backfill, and in a 412's answer.
func (s *Store) retag(ctx context.Context, item map[string]types.AttributeValue, tag string) (cliente.Cliente, error) {
	c, err := fromItem(item)
	if err != nil {
		return c, err
	}
	next := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		next[k] = v
	}
	next[etagAttr] = &types.AttributeValueMemberS{Value: tag}
	stamp(next)
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	cond := unchanged(item, names, values)
	sets := []string{}
	for _, attr := range append(append([]string{}, stamped...), prefixed(stamped)...) {
		op := ":nuevo_" + attr
		values[op] = next[attr]
		sets = append(sets, name(names, attr)+" = "+op)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(clienteKind, c.ID),
		UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return c, errChanged
	}
	if err != nil {
		return c, classify("retag cliente "+strconv.FormatInt(c.ID, 10), err)
	}
	return fromItem(out.Attributes)
}

// errChanged: the item changed between a read and a write that depended on
// it; read again.
var errChanged = errors.New("store: cliente changed meanwhile")

func prefixed(attrs []string) []string {
	out := make([]string, len(attrs))
	for i, a := range attrs {
		out[i] = stampPrefix + a
	}
	return out
}

// current returns the cliente in item with a current tag, retagging it when
// it has none. A write racing the retag wins; then the item is read again,
// a bounded number of times.
//
// A retag whose outcome is unknown is settled the same way, by reading
// again: the item then has a current tag (this one or a racing write's) or
// it is retagged anew; a read that hands out a tag never answers 5xx after
// writing one.
func (s *Store) current(ctx context.Context, id int64, item map[string]types.AttributeValue) (cliente.Cliente, error) {
	for attempt := 0; ; attempt++ {
		if tagIsCurrent(item) {
			return fromItem(item)
		}
		if _, err := fromItem(item); err != nil {
			return cliente.Cliente{}, err // unreadable: nothing to tag
		}
		c, err := s.retag(ctx, item, newETag())
		if err == nil || errors.Is(err, ErrUnavailable) {
			return c, err
		}
		if attempt == 2 {
			return c, fmt.Errorf("retag cliente %d three times: %w", id, err)
		}
		rctx, cancel := settling(ctx)
		item, err = s.getItem(rctx, id)
		cancel()
		if err != nil {
			return cliente.Cliente{}, err
		}
	}
}

// unstamped reports an item that holds a tag but no stamp: tagged by 1.1.0,
// whose later writes 1.0.0 could not make stale.
func unstamped(item map[string]types.AttributeValue) bool {
	_, stamp := item[stampPrefix+etagAttr]
	_, tag := item[etagAttr].(*types.AttributeValueMemberS)
	return tag && !stamp
}
