namespace DistTrain.Core.Tests.Golden;

/// <summary>Where the PyTorch golden files land next to the test assembly.</summary>
internal static class GoldenFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);
}
