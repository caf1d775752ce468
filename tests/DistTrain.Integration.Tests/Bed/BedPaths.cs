namespace DistTrain.Integration.Tests.Bed;

/// <summary>Where the bed's script, the built launcher and the test data are.</summary>
internal static class BedPaths
{
    /// <summary>The Fashion-MNIST folder that <c>tests/install-test-data.sh</c> installs (the launcher's default --data).</summary>
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Script => Path.Combine(Root, "tests", "netbed", "netbed.sh");

    /// <summary>The launcher's build output in this test project's configuration (building this project builds it).</summary>
    public static string Launcher
    {
        get
        {
            // AppContext.BaseDirectory is tests/DistTrain.Integration.Tests/bin/<configuration>/<framework>/.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string path = Path.Combine(Root, "samples", "DistTrain.Launcher", "bin", output.Parent!.Name, output.Name, "disttrain.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The launcher is not built at {path}.", path);
        }
    }

    /// <summary>Fails, naming the fix, when Fashion-MNIST is not installed (the launcher would fall back to synthetic data).</summary>
    public static string RequireFashionMnist() =>
        File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte"))
            ? FashionMnist
            : throw new InvalidOperationException($"Fashion-MNIST is not installed at {FashionMnist}: run 'bash tests/install-test-data.sh' first.");

    private static string FindRoot()
    {
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "DistTrain.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new DirectoryNotFoundException($"No DistTrain.sln above {AppContext.BaseDirectory}.");
    }
}
