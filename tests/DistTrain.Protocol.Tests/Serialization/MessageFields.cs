using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;
using Akka.Actor;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// Field-by-field comparison of protocol messages. A record's fields are its primary constructor's
/// parameters, found by reflection so that a field added later is compared without touching this
/// class. Floats compare by bits (NaN payloads and -0 included), tensors by payload bits, actor
/// references by path and uid (not by address, which depends on the node that looks), lists
/// element by element, nested records recursively.
/// </summary>
public static class MessageFields
{
    /// <summary>The record's fields: the properties named by its widest constructor's parameters.</summary>
    public static IReadOnlyList<PropertyInfo> Of(Type type)
    {
        ConstructorInfo constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
            ?? throw new InvalidOperationException($"{type.Name} has no public constructor.");
        return constructor.GetParameters()
            .Select(p => type.GetProperty(p.Name!) ?? throw new InvalidOperationException($"{type.Name}.{p.Name} has no property."))
            .ToArray();
    }

    public static void AssertEquivalent(object expected, object actual) => AssertEquivalent(expected, actual, expected.GetType().Name);

    /// <summary>Asserts every field, recursively, holds a value other than its type's default (non-empty for lists and strings).</summary>
    public static void AssertNoDefaultField(object message)
    {
        foreach (PropertyInfo field in Of(message.GetType()))
        {
            AssertNotDefault(field.GetValue(message), $"{message.GetType().Name}.{field.Name}");
        }
    }

    private static void AssertEquivalent(object? expected, object? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual}");
                return;
            case float e:
                Assert.True(actual is float, $"{path}: expected a float, got {actual?.GetType().Name}");
                Assert.True(
                    BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits((float)actual!),
                    $"{path}: expected bits 0x{BitConverter.SingleToInt32Bits(e):x8}, got 0x{BitConverter.SingleToInt32Bits((float)actual!):x8}");
                return;
            case double e:
                Assert.True(actual is double, $"{path}: expected a double, got {actual?.GetType().Name}");
                Assert.True(BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits((double)actual!), $"{path}: {e} != {actual}");
                return;
            case TensorBuffer e:
                TensorBuffer a = Assert.IsType<TensorBuffer>(actual);
                AssertSameBits(e.Span, a.Span, path);
                return;
            case float[] e:
                AssertSameBits(e, Assert.IsType<float[]>(actual), path);
                return;
            case IActorRef e:
                IActorRef ar = Assert.IsAssignableFrom<IActorRef>(actual);
                // The address is the viewer's: a local reference arrives on another node with the sender's address.
                Assert.True(
                    e.Path.ToStringWithoutAddress() == ar.Path.ToStringWithoutAddress() && e.Path.Uid == ar.Path.Uid,
                    $"{path}: expected {e.Path}#{e.Path.Uid}, got {ar.Path}#{ar.Path.Uid}");
                return;
            case RejoinedLease:
                // A record struct with a float: field by field, so its loss compares by bits (Equals calls every NaN equal).
                goto default;
            case TrackTotals:
                // A record struct with a list, which Equals compares by reference.
                goto default;
            case string or Guid or Enum or ValueType:
                Assert.True(expected.GetType() == actual?.GetType() && expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
                return;
            case IEnumerable e:
                object?[] expectedItems = e.Cast<object?>().ToArray();
                object?[] actualItems = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToArray();
                Assert.True(expectedItems.Length == actualItems.Length, $"{path}: expected {expectedItems.Length} elements, got {actualItems.Length}");
                for (int i = 0; i < expectedItems.Length; i++)
                {
                    AssertEquivalent(expectedItems[i], actualItems[i], $"{path}[{i}]");
                }

                return;
            default:
                Assert.True(expected.GetType() == actual?.GetType(), $"{path}: expected {expected.GetType().Name}, got {actual?.GetType().Name}");
                foreach (PropertyInfo field in Of(expected.GetType()))
                {
                    AssertEquivalent(field.GetValue(expected), field.GetValue(actual), $"{path}.{field.Name}");
                }

                return;
        }
    }

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string path)
    {
        Assert.True(expected.Length == actual.Length, $"{path}: expected {expected.Length} floats, got {actual.Length}");
        ReadOnlySpan<int> e = MemoryMarshal.Cast<float, int>(expected);
        ReadOnlySpan<int> a = MemoryMarshal.Cast<float, int>(actual);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(e[i] == a[i], $"{path}[{i}]: expected bits 0x{e[i]:x8}, got 0x{a[i]:x8}");
        }
    }

    private static void AssertNotDefault(object? value, string path)
    {
        bool isDefault = value switch
        {
            null => true,
            float f => BitConverter.SingleToInt32Bits(f) == 0,
            double d => BitConverter.DoubleToInt64Bits(d) == 0,
            string s => s.Length == 0,
            TensorBuffer t => t.Length == 0,
            IEnumerable items and not string => !items.Cast<object?>().Any(),
            IActorRef => false,
            ValueType v => v.Equals(Activator.CreateInstance(v.GetType())),
            _ => false,
        };
        Assert.False(isDefault, $"{path} holds its default value, so a round trip cannot tell whether it travelled");
        if (value is ParameterRange range)
        {
            AssertNotDefault(range.Offset, $"{path}.Offset");
            AssertNotDefault(range.Length, $"{path}.Length");
        }
        else if (value is IDistTrainMessage)
        {
            AssertNoDefaultField(value);
        }
        else if (value is IEnumerable items and not string)
        {
            foreach (object? item in items)
            {
                if (item is IDistTrainMessage)
                {
                    AssertNoDefaultField(item);
                }
            }
        }
    }
}
