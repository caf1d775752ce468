using DistTrain.Core.Checkpoints;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Checkpoints;

public class CheckpointFileTests
{
    [Fact]
    public void WriteThenRead_EveryField_RoundTripsExactly()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        TrainingCheckpoint written = CheckpointSamples.Checkpoint(secondShardSteps: 11);

        CheckpointFile.Write(path, CheckpointSamples.Model(), written);
        TrainingCheckpoint read = CheckpointFile.Read(path, CheckpointSamples.Model(), CheckpointSamples.Settings());

        Assert.Equal(written.Step, read.Step);
        Assert.Equal(written.Epoch, read.Epoch);
        Assert.Equal(BitConverter.DoubleToInt64Bits(written.EpochLossSum), BitConverter.DoubleToInt64Bits(read.EpochLossSum));
        Assert.Equal(written.Parameters, read.Parameters);
        Assert.Equal(written.OptimizerBuffers.Keys.Order(), read.OptimizerBuffers.Keys.Order());
        Assert.All(written.OptimizerBuffers, pair => Assert.Equal(pair.Value, read.OptimizerBuffers[pair.Key]));
        Assert.Equal(written.OptimizerSteps, read.OptimizerSteps);
        Assert.Equal(written.Settings, read.Settings);
    }

    [Fact]
    public void Write_Parameters_AreReadableAsPlainModelWeights()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        TrainingCheckpoint written = CheckpointSamples.Checkpoint();

        CheckpointFile.Write(path, CheckpointSamples.Model(), written);

        Assert.Equal(written.Parameters, ModelWeights.Load(CheckpointSamples.Model(), path));
        Assert.Equal([written.Parameters.Length], SafeTensorsFile.Read(path).Tensors["optimizer.exp_avg_sq"].Shape);
    }

    [Fact]
    public void Read_OtherSettings_NamesTheSettingAndBothValues()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        CheckpointFile.Write(path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint());

        var exception = Assert.Throws<CheckpointException>(
            () => CheckpointFile.Read(path, CheckpointSamples.Model(), CheckpointSamples.Settings(layers: "5-8-3-2")));

        Assert.Contains(path, exception.Message);
        Assert.Contains("layers = 5-4-3-2, but this run has layers = 5-8-3-2", exception.Message);
    }

    [Fact]
    public void Read_ModelOfAnotherShape_NamesTheTensor()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        CheckpointFile.Write(path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint());

        var exception = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path, Sequential.MultilayerPerceptron(5, [6, 3], 2)));

        Assert.Contains("'dense0.weight' has shape [4, 5], but the model needs [6, 5]", exception.Message);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(-4)]
    public void Read_TruncatedFile_IsRefusedNamingTheFile(int keptBytes)
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        CheckpointFile.Write(path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(keptBytes >= 0 ? keptBytes : bytes.Length + keptBytes)]);

        var exception = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path, CheckpointSamples.Model()));

        Assert.StartsWith($"Cannot resume from checkpoint {path}", exception.Message);
    }

    [Fact]
    public void Read_PlainModelWeights_IsNotACheckpoint()
    {
        using var directory = new TempDirectory();
        string path = directory.File("weights.safetensors");
        ModelWeights.Save(CheckpointSamples.Model(), new float[CheckpointSamples.Model().ParameterCount], path);

        var exception = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path, CheckpointSamples.Model()));

        Assert.Contains("not a DistTrain checkpoint", exception.Message);
    }

    [Fact]
    public void Read_StepThatIsNoCount_NamesTheKey()
    {
        using var directory = new TempDirectory();
        string path = directory.File("run.safetensors");
        CheckpointFile.Write(path, CheckpointSamples.Model(), CheckpointSamples.Checkpoint());
        SafeTensors file = SafeTensorsFile.Read(path);
        var metadata = file.Metadata.ToDictionary(pair => pair.Key, pair => pair.Value);
        metadata["step"] = "-3";
        SafeTensorsFile.Write(path, file.Tensors.Values.ToArray(), metadata);

        var exception = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path, CheckpointSamples.Model()));

        Assert.Contains("metadata 'step' = '-3' is not a count", exception.Message);
    }

    [Fact]
    public void OptimizerStateOf_RangeOfOneShard_SlicesBuffersWithItsStep()
    {
        TrainingCheckpoint checkpoint = CheckpointSamples.Checkpoint(secondShardSteps: 11);
        int split = checkpoint.OptimizerSteps[1].Offset;

        var state = checkpoint.OptimizerStateOf(split + 1, 3);

        Assert.Equal(11, state.Step);
        Assert.Equal(checkpoint.OptimizerBuffers["exp_avg"].AsSpan(split + 1, 3).ToArray(), state.Buffers["exp_avg"]);
    }

    [Fact]
    public void OptimizerStateOf_RangeOverShardsWithDifferentSteps_AsksForTheSameShardCount()
    {
        TrainingCheckpoint checkpoint = CheckpointSamples.Checkpoint(secondShardSteps: 11);

        var exception = Assert.Throws<CheckpointException>(() => checkpoint.OptimizerStateOf(0, checkpoint.Parameters.Length));

        Assert.Contains("different step counts (12, 11)", exception.Message);
    }
}
