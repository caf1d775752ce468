using System.Runtime.InteropServices;
using System.Text.Json;
using DistTrain.Core.IO;
using Xunit;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>Comparisons of a bed run's files with a reference run's.</summary>
internal static class BedAssert
{
    /// <summary>The two files hold the same bytes.</summary>
    public static void Identical(string expected, string actual, string what)
    {
        Assert.True(File.Exists(actual), $"{what}: {actual} was not written");
        byte[] want = File.ReadAllBytes(expected), got = File.ReadAllBytes(actual);
        int first = Enumerable.Range(0, Math.Min(want.Length, got.Length)).FirstOrDefault(i => want[i] != got[i], -1);
        Assert.True(
            want.AsSpan().SequenceEqual(got),
            $"{what}: {actual} differs from the in-process run's {expected} " +
            (first >= 0 ? $"first at byte {first} of {want.Length}" : $"in length ({got.Length} bytes, not {want.Length})"));
    }

    /// <summary>
    /// Every checkpoint the bed run wrote (as collected) holds the same tensors, bit for bit, as the
    /// reference run's checkpoint of the same step, and both runs wrote checkpoints at the same steps.
    /// Metadata other than the step is not compared (it names settings that may be written differently).
    /// </summary>
    public static void SameCheckpoints(RunFiles expected, RunFiles actual)
    {
        string[] want = Names(expected.Collected), got = Names(actual.Collected);
        Assert.True(want.Length > 0, $"the in-process run wrote no checkpoint to {expected.Checkpoints}");
        Assert.True(want.SequenceEqual(got), $"checkpoints of the in-process run: {string.Join(", ", want)}; on the bed: {string.Join(", ", got)}");
        foreach (string name in want)
        {
            SafeTensors reference = SafeTensorsFile.Read(Path.Combine(expected.Collected, name));
            SafeTensors bed = SafeTensorsFile.Read(Path.Combine(actual.Collected, name));
            Assert.Equal(reference.Metadata["step"], bed.Metadata["step"]);
            Assert.True(
                reference.Tensors.Keys.Order(StringComparer.Ordinal).SequenceEqual(bed.Tensors.Keys.Order(StringComparer.Ordinal)),
                $"{name}: tensors {string.Join(", ", bed.Tensors.Keys)} on the bed, {string.Join(", ", reference.Tensors.Keys)} in process");
            foreach ((string tensor, NamedTensor value) in reference.Tensors)
            {
                NamedTensor other = bed.Tensors[tensor];
                Assert.Equal(value.Shape, other.Shape);
                ReadOnlySpan<byte> a = MemoryMarshal.AsBytes(value.Data.AsSpan()), b = MemoryMarshal.AsBytes(other.Data.AsSpan());
                Assert.True(a.SequenceEqual(b), $"{name}: tensor '{tensor}' differs from the in-process run's checkpoint of the same step");
            }
        }
    }

    /// <summary>The test accuracy of every epoch in a metrics document.</summary>
    public static double[] EpochAccuracies(string metrics)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(metrics));
        return document.RootElement.GetProperty("epochs").EnumerateArray().Select(epoch => epoch.GetProperty("testAccuracy").GetDouble()).ToArray();
    }

    /// <summary>
    /// The mean test accuracy of the last two epochs in a metrics document: what two runs are
    /// compared by, since one epoch's figure swings by about a point with where its last steps
    /// happened to land (W1AccuracyTests measured a single-epoch comparison of ssp failing one run in four).
    /// </summary>
    public static double LastTwoEpochsAccuracy(string metrics)
    {
        double[] epochs = EpochAccuracies(metrics);
        Assert.True(epochs.Length >= 2, $"{metrics} holds {epochs.Length} epoch(s), not the two to compare by");
        return (epochs[^2] + epochs[^1]) / 2;
    }

    /// <summary>The final test accuracy in a metrics document.</summary>
    public static double FinalAccuracy(string metrics)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(metrics));
        return document.RootElement.GetProperty("final").GetProperty("testAccuracy").GetDouble();
    }

    private static string[] Names(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "checkpoint-*.safetensors").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToArray()
            : [];
}
