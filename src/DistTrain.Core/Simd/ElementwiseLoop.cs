using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// The loops that walk spans with an element-wise operator struct, as TensorPrimitives does
/// internally: the math is written once in the operator, and the loop takes the widest vector the
/// machine accelerates (512, then 256, then 128 bits) and ends with a scalar tail. An element-wise
/// kernel is then one small struct and one call.
/// <para>
/// The loops handle element types of different widths, float (32 bits) against a 16-bit value:
/// each step covers one vector of 16-bit values, that is two vectors of floats, so every rung
/// loads and stores whole vectors. Once the 512-bit rung has run, each narrower rung runs at most
/// once, which is how a sweep over lengths 0..300 reaches every rung and the tail on a machine
/// with all three widths. Callers check the lengths; the loops only assert them.
/// </para>
/// </summary>
internal static class ElementwiseLoop
{
    /// <summary>
    /// One optimizer step over a parameter range: <c>updated[i] = op(g[i], p[i], ref a[i], ref b[i])</c>,
    /// reading and writing only the states the operator has (<see cref="IUpdateOperator.States"/>;
    /// the others may be empty). <paramref name="updated"/> is <paramref name="p"/>'s memory or disjoint from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Update<TOperator>(
        ReadOnlySpan<float> g, ReadOnlySpan<float> p, Span<float> a, Span<float> b, Span<float> updated, in TOperator op)
        where TOperator : struct, IUpdateOperator
    {
        Debug.Assert(g.Length == p.Length && updated.Length == p.Length);
        Debug.Assert((TOperator.States < 1 || a.Length == p.Length) && (TOperator.States < 2 || b.Length == p.Length));
        ref float gs = ref MemoryMarshal.GetReference(g);
        ref float ps = ref MemoryMarshal.GetReference(p);
        ref float @as = ref MemoryMarshal.GetReference(a);
        ref float bs = ref MemoryMarshal.GetReference(b);
        ref float us = ref MemoryMarshal.GetReference(updated);
        int n = p.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint at = (nuint)i;
                var ai = TOperator.States >= 1 ? Vector512.LoadUnsafe(ref @as, at) : default;
                var bi = TOperator.States >= 2 ? Vector512.LoadUnsafe(ref bs, at) : default;
                op.Invoke(Vector512.LoadUnsafe(ref gs, at), Vector512.LoadUnsafe(ref ps, at), ref ai, ref bi).StoreUnsafe(ref us, at);
                if (TOperator.States >= 1)
                {
                    ai.StoreUnsafe(ref @as, at);
                }

                if (TOperator.States >= 2)
                {
                    bi.StoreUnsafe(ref bs, at);
                }
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                nuint at = (nuint)i;
                var ai = TOperator.States >= 1 ? Vector256.LoadUnsafe(ref @as, at) : default;
                var bi = TOperator.States >= 2 ? Vector256.LoadUnsafe(ref bs, at) : default;
                op.Invoke(Vector256.LoadUnsafe(ref gs, at), Vector256.LoadUnsafe(ref ps, at), ref ai, ref bi).StoreUnsafe(ref us, at);
                if (TOperator.States >= 1)
                {
                    ai.StoreUnsafe(ref @as, at);
                }

                if (TOperator.States >= 2)
                {
                    bi.StoreUnsafe(ref bs, at);
                }
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                nuint at = (nuint)i;
                var ai = TOperator.States >= 1 ? Vector128.LoadUnsafe(ref @as, at) : default;
                var bi = TOperator.States >= 2 ? Vector128.LoadUnsafe(ref bs, at) : default;
                op.Invoke(Vector128.LoadUnsafe(ref gs, at), Vector128.LoadUnsafe(ref ps, at), ref ai, ref bi).StoreUnsafe(ref us, at);
                if (TOperator.States >= 1)
                {
                    ai.StoreUnsafe(ref @as, at);
                }

                if (TOperator.States >= 2)
                {
                    bi.StoreUnsafe(ref bs, at);
                }
            }
        }

        float unused = 0f;
        for (; i < n; i++)
        {
            ref float ai = ref TOperator.States >= 1 ? ref Unsafe.Add(ref @as, i) : ref unused;
            ref float bi = ref TOperator.States >= 2 ? ref Unsafe.Add(ref bs, i) : ref unused;
            Unsafe.Add(ref us, i) = op.Invoke(Unsafe.Add(ref gs, i), Unsafe.Add(ref ps, i), ref ai, ref bi);
        }
    }

    /// <summary><c>destination[i] = TOperator(x[i], y[i]; s)</c>, n floats each. <paramref name="destination"/> may be x's or y's memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float s, Span<float> destination)
        where TOperator : IFloatOperator
    {
        Debug.Assert(y.Length == x.Length && destination.Length == x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scalar = Vector512.Create(s);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i), scalar).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var scalar = Vector256.Create(s);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i), scalar).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            var scalar = Vector128.Create(s);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOperator.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i), Vector128.LoadUnsafe(ref ys, (nuint)i), scalar).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ds, i) = TOperator.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), s);
        }
    }

    /// <summary><c>destination[i] = TOperator(x[i])</c>, n floats in, n 16-bit values out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Narrow<TOperator>(ReadOnlySpan<float> x, Span<ushort> destination)
        where TOperator : INarrowingOperator
    {
        Debug.Assert(destination.Length == x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref ushort ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var lower = TOperator.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i));
                var upper = TOperator.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)(i + Vector512<float>.Count)));
                Vector512.Narrow(lower, upper).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var lower = TOperator.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i));
                var upper = TOperator.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)(i + Vector256<float>.Count)));
                Vector256.Narrow(lower, upper).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                var lower = TOperator.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i));
                var upper = TOperator.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)(i + Vector128<float>.Count)));
                Vector128.Narrow(lower, upper).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ds, i) = TOperator.Invoke(Unsafe.Add(ref xs, i));
        }
    }

    /// <summary>
    /// <c>destination[i] = TOperator(x[i], destination[i])</c> for a unary widening operator, which
    /// ignores its float argument. Passing the destination as that argument costs no memory
    /// traffic of its own: storing to a cache line reads it in anyway.
    /// </summary>
    public static void Widen<TOperator>(ReadOnlySpan<ushort> x, Span<float> destination)
        where TOperator : IWideningOperator
        => Widen<TOperator>(x, destination, destination);

    /// <summary>
    /// <c>destination[i] = TOperator(x[i], y[i])</c>, n 16-bit values and n floats in, n floats out.
    /// <paramref name="destination"/> is either the memory of <paramref name="y"/> or disjoint from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen<TOperator>(ReadOnlySpan<ushort> x, ReadOnlySpan<float> y, Span<float> destination)
        where TOperator : IWideningOperator
    {
        Debug.Assert(y.Length == x.Length && destination.Length == x.Length);
        ref ushort xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector512<float>.Count);
                var (xLower, xUpper) = Vector512.Widen(Vector512.LoadUnsafe(ref xs, at));
                TOperator.Invoke(xLower, Vector512.LoadUnsafe(ref ys, at)).StoreUnsafe(ref ds, at);
                TOperator.Invoke(xUpper, Vector512.LoadUnsafe(ref ys, upper)).StoreUnsafe(ref ds, upper);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector256<float>.Count);
                var (xLower, xUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, at));
                TOperator.Invoke(xLower, Vector256.LoadUnsafe(ref ys, at)).StoreUnsafe(ref ds, at);
                TOperator.Invoke(xUpper, Vector256.LoadUnsafe(ref ys, upper)).StoreUnsafe(ref ds, upper);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector128<float>.Count);
                var (xLower, xUpper) = Vector128.Widen(Vector128.LoadUnsafe(ref xs, at));
                TOperator.Invoke(xLower, Vector128.LoadUnsafe(ref ys, at)).StoreUnsafe(ref ds, at);
                TOperator.Invoke(xUpper, Vector128.LoadUnsafe(ref ys, upper)).StoreUnsafe(ref ds, upper);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ds, i) = TOperator.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
        }
    }

    /// <summary>
    /// <c>(narrowed[i], y[i]) = TOperator(x[i], y[i])</c>: n floats read, n floats updated in place
    /// and n 16-bit values written, in one pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NarrowAndUpdate<TOperator>(ReadOnlySpan<float> x, Span<float> y, Span<ushort> narrowed)
        where TOperator : INarrowingUpdateOperator
    {
        Debug.Assert(y.Length == x.Length && narrowed.Length == x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref ushort ns = ref MemoryMarshal.GetReference(narrowed);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector512<float>.Count);
                var lower = TOperator.Invoke(Vector512.LoadUnsafe(ref xs, at), Vector512.LoadUnsafe(ref ys, at));
                var higher = TOperator.Invoke(Vector512.LoadUnsafe(ref xs, upper), Vector512.LoadUnsafe(ref ys, upper));
                lower.Updated.StoreUnsafe(ref ys, at);
                higher.Updated.StoreUnsafe(ref ys, upper);
                Vector512.Narrow(lower.Narrowed, higher.Narrowed).StoreUnsafe(ref ns, at);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector256<float>.Count);
                var lower = TOperator.Invoke(Vector256.LoadUnsafe(ref xs, at), Vector256.LoadUnsafe(ref ys, at));
                var higher = TOperator.Invoke(Vector256.LoadUnsafe(ref xs, upper), Vector256.LoadUnsafe(ref ys, upper));
                lower.Updated.StoreUnsafe(ref ys, at);
                higher.Updated.StoreUnsafe(ref ys, upper);
                Vector256.Narrow(lower.Narrowed, higher.Narrowed).StoreUnsafe(ref ns, at);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                nuint at = (nuint)i, upper = (nuint)(i + Vector128<float>.Count);
                var lower = TOperator.Invoke(Vector128.LoadUnsafe(ref xs, at), Vector128.LoadUnsafe(ref ys, at));
                var higher = TOperator.Invoke(Vector128.LoadUnsafe(ref xs, upper), Vector128.LoadUnsafe(ref ys, upper));
                lower.Updated.StoreUnsafe(ref ys, at);
                higher.Updated.StoreUnsafe(ref ys, upper);
                Vector128.Narrow(lower.Narrowed, higher.Narrowed).StoreUnsafe(ref ns, at);
            }
        }

        for (; i < n; i++)
        {
            (Unsafe.Add(ref ns, i), Unsafe.Add(ref ys, i)) = TOperator.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
        }
    }
}
