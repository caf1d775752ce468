namespace DistTrain.Launcher.Tests;

/// <summary>The repository these tests were built from: the folder above their output that holds DistTrain.sln.</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        DirectoryInfo? folder = new(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(System.IO.Path.Combine(folder.FullName, "DistTrain.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException($"No DistTrain.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => s_root.Value;

    /// <summary>A path in the repository: <c>Path("deploy", "Dockerfile")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
