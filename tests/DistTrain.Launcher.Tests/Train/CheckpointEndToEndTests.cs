using Xunit;

namespace DistTrain.Launcher.Tests.Train;

/// <summary><c>disttrain train</c> with checkpoints: a run stopped early, then continued with <c>--resume</c>.</summary>
public class CheckpointEndToEndTests
{
    private static readonly string[] s_run =
        ["train", "--data", "synthetic", "--epochs", "1", "--quiet", "--batch", "100", "--workers", "2", "--ps-shards", "2"];

    [Fact]
    public async Task Train_ThenResume_ContinuesFromTheLatestCheckpoint()
    {
        using var directory = new TempDirectory();
        string checkpoints = directory.File("checkpoints");

        LauncherRun first = await LauncherProcess.RunAsync([.. s_run, "--hidden", "16", "--max-steps", "5", "--checkpoint-dir", checkpoints, "--checkpoint-every", "2"]);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("done: 5 steps", first.Output);
        Assert.Equal(
            ["checkpoint-0000000004.safetensors", "checkpoint-0000000005.safetensors"],
            Directory.GetFiles(checkpoints).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        LauncherRun resumed = await LauncherProcess.RunAsync([.. s_run, "--hidden", "16", "--max-steps", "9", "--checkpoint-dir", checkpoints, "--resume"]);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal("", resumed.Error);
        Assert.Contains($"resuming at step 5 (epoch 1) from {Path.Combine(checkpoints, "checkpoint-0000000005.safetensors")}", resumed.Output);
        Assert.Contains("done: 9 steps", resumed.Output);
        Assert.True(File.Exists(Path.Combine(checkpoints, "checkpoint-0000000009.safetensors")));
    }

    [Fact]
    public async Task Resume_OtherHiddenLayers_FailsNamingTheLayers()
    {
        using var directory = new TempDirectory();
        string checkpoints = directory.File("checkpoints");
        LauncherRun first = await LauncherProcess.RunAsync([.. s_run, "--hidden", "16", "--max-steps", "2", "--checkpoint-dir", checkpoints]);
        Assert.True(first.ExitCode == 0, first.Error);

        LauncherRun resumed = LauncherRun.Of([.. s_run, "--hidden", "32", "--max-steps", "4", "--checkpoint-dir", checkpoints, "--resume"]);

        Assert.Equal(Launcher.Failed, resumed.ExitCode);
        Assert.Contains("it was written by a run with layers = 784-16-10, but this run has layers = 784-32-10", Assert.Single(resumed.ErrorLines));
    }

    [Fact]
    public void Resume_FolderWithoutCheckpoints_FailsSayingSo()
    {
        using var directory = new TempDirectory();

        LauncherRun run = LauncherRun.Of([.. s_run, "--hidden", "16", "--checkpoint-dir", directory.Path, "--resume"]);

        Assert.Equal(Launcher.Failed, run.ExitCode);
        Assert.Equal($"disttrain: error: Cannot resume: {directory.Path} holds no checkpoint (checkpoint-<step>.safetensors); train with a checkpoint directory first.", Assert.Single(run.ErrorLines));
    }
}
