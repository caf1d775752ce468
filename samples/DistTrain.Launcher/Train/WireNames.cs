using System.Globalization;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Train;

/// <summary>The command line's spelling of the wire: <c>--wire fp32|bf16</c> and <c>--compress none|topk:RATIO</c>.</summary>
internal static class WireNames
{
    public static IReadOnlyList<string> Precisions { get; } = ["fp32", "bf16"];

    public static WirePrecision ParsePrecision(string name) => name == "bf16" ? WirePrecision.Bf16 : WirePrecision.Fp32;

    public static string Name(WirePrecision precision) => precision == WirePrecision.Bf16 ? "bf16" : "fp32";

    /// <summary>
    /// The <c>--compress</c> option: <c>none</c> as 0, <c>topk:RATIO</c> as RATIO in (0, 1] (a plain
    /// decimal), or null when it is neither.
    /// </summary>
    public static double? ParseTopKRatio(string text)
    {
        if (text == "none")
        {
            return 0;
        }

        return text.StartsWith("topk:", StringComparison.Ordinal)
            && double.TryParse(text["topk:".Length..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double ratio)
            && ratio > 0 && ratio <= 1
            ? ratio
            : null;
    }

    /// <summary>The <c>--compress</c> spelling of a wire: <c>none</c> or <c>topk:RATIO</c>.</summary>
    public static string Compression(WireSettings wire) =>
        wire.Compresses ? $"topk:{wire.TopKRatio.ToString(CultureInfo.InvariantCulture)}" : "none";
}
