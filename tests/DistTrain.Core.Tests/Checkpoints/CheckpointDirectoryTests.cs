using DistTrain.Core.Checkpoints;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Checkpoints;

public class CheckpointDirectoryTests
{
    [Fact]
    public void Save_KeepingThree_DeletesAllButTheNewestThree()
    {
        using var directory = new TempDirectory();
        foreach (long step in new long[] { 10, 20, 30, 40, 50 })
        {
            CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step), keep: 3);
        }

        Assert.Equal(
            [CheckpointDirectory.PathFor(directory.Path, 30), CheckpointDirectory.PathFor(directory.Path, 40), CheckpointDirectory.PathFor(directory.Path, 50)],
            Directory.EnumerateFiles(directory.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Save_FourCheckpoints_KeepsTheNewestTwo()
    {
        using var directory = new TempDirectory();
        foreach (long step in new long[] { 3, 6, 9, 12 })
        {
            CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step));
        }

        Assert.Equal(
            ["checkpoint-0000000009.safetensors", "checkpoint-0000000012.safetensors"],
            Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(CheckpointDirectory.PathFor(directory.Path, 12), CheckpointDirectory.Latest(directory.Path));
    }

    [Fact]
    public void ReadLatest_LeftoverTemporaryFileOfALaterStep_IsIgnored()
    {
        using var directory = new TempDirectory();
        CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step: 12));
        // What a crash in the middle of writing step 15 leaves behind.
        directory.Write("checkpoint-0000000015.safetensors.tmp", [1, 2, 3]);

        TrainingCheckpoint latest = CheckpointDirectory.ReadLatest(directory.Path, CheckpointSamples.Model());

        Assert.Equal(12, latest.Step);
    }

    [Fact]
    public void Save_AfterAnInterruptedWrite_DeletesTheLeftover()
    {
        using var directory = new TempDirectory();
        string leftover = directory.Write("checkpoint-0000000015.safetensors.tmp", [1, 2, 3]);

        CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step: 18));

        Assert.False(File.Exists(leftover));
        Assert.Equal(18, CheckpointDirectory.ReadLatest(directory.Path, CheckpointSamples.Model()).Step);
    }

    [Fact]
    public void ReadLatest_LatestIsTruncated_IsRefusedNotSkipped()
    {
        using var directory = new TempDirectory();
        CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step: 12));
        string latest = CheckpointDirectory.Save(directory.Path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint(step: 15));
        byte[] bytes = File.ReadAllBytes(latest);
        File.WriteAllBytes(latest, bytes[..(bytes.Length / 2)]);

        var exception = Assert.Throws<CheckpointException>(() => CheckpointDirectory.ReadLatest(directory.Path, CheckpointSamples.Model()));

        Assert.Contains(latest, exception.Message);
    }

    [Fact]
    public void ReadLatest_EmptyDirectory_SaysThereIsNone()
    {
        using var directory = new TempDirectory();
        directory.Write("notes.txt", "not a checkpoint");

        var exception = Assert.Throws<CheckpointException>(() => CheckpointDirectory.ReadLatest(directory.Path, CheckpointSamples.Model()));

        Assert.Contains($"{directory.Path} holds no checkpoint", exception.Message);
    }

    [Fact]
    public void ReadLatest_MissingDirectory_SaysItDoesNotExist()
    {
        using var directory = new TempDirectory();
        string missing = directory.File("absent");

        var exception = Assert.Throws<CheckpointException>(() => CheckpointDirectory.ReadLatest(missing, CheckpointSamples.Model()));

        Assert.Contains("does not exist", exception.Message);
    }
}
