using System.Text.Json;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Tests.Golden;
using Xunit;

namespace DistTrain.Core.Tests.Optimizers;

/// <summary>
/// Adam, AdamW and SGD against trajectories recorded from torch.optim (Golden/optimizers.json,
/// made by Golden/make_optimizer_golden.py): the same initial parameters and gradients, six
/// steps, parameters compared after every step and the state after the last.
/// </summary>
public class OptimizerGoldenTests
{
    private static readonly JsonElement s_cases = JsonDocument.Parse(File.ReadAllText(GoldenFiles.PathOf("optimizers.json"))).RootElement.GetProperty("cases");

    public static IEnumerable<object[]> CaseNames() =>
        s_cases.EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Step_SixSteps_MatchesPyTorch(string name)
    {
        JsonElement golden = s_cases.EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        OptimizerOptions options = OptionsOf(golden);
        float[] parameters = Floats(golden.GetProperty("initial"));
        IOptimizer optimizer = options.Create(parameters.Length);
        float[][] gradients = golden.GetProperty("gradients").EnumerateArray().Select(Floats).ToArray();
        float[][] expected = golden.GetProperty("parameters").EnumerateArray().Select(Floats).ToArray();
        for (int step = 0; step < gradients.Length; step++)
        {
            optimizer.Step(parameters, gradients[step]);
            TestData.AssertClose(expected[step], parameters, 2e-6f, 1e-7f, $"{name} step {step + 1} parameter");
        }

        OptimizerState state = optimizer.ExportState();
        Assert.Equal(gradients.Length, state.Step);
        foreach (JsonProperty buffer in golden.GetProperty("state").EnumerateObject().Where(p => p.Name != "step"))
        {
            TestData.AssertClose(Floats(buffer.Value), state.Buffers[buffer.Name], 5e-5f, 1e-7f, $"{name} {buffer.Name}");
        }
    }

    [Fact]
    public void ImportState_Exported_ContinuesIdentically()
    {
        var options = new AdamOptions(LearningRate: 0.01f);
        float[] gradient = TestData.Uniform(37, 1);
        float[] first = TestData.Uniform(37, 2), second = (float[])first.Clone();
        IOptimizer original = options.Create(37);
        original.Step(first, gradient);
        IOptimizer restored = options.Create(37);
        restored.ImportState(original.ExportState());
        second.AsSpan().Clear();
        first.CopyTo(second, 0);
        original.Step(first, gradient);
        restored.Step(second, gradient);
        Assert.Equal(first, second);
    }

    [Fact]
    public void ImportState_WrongLength_ThrowsNamingTheBuffer()
    {
        OptimizerState state = new AdamOptions().Create(5).ExportState();
        var exception = Assert.Throws<ArgumentException>(() => new AdamOptions().Create(6).ImportState(state));
        Assert.Contains("'exp_avg' buffer has 5 values", exception.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void Create_InvalidLearningRate_ThrowsNamingIt(float learningRate)
    {
        var exception = Assert.Throws<ArgumentException>(() => new AdamOptions(LearningRate: learningRate).Create(3));
        Assert.Contains("learning rate", exception.Message);
        Assert.Throws<ArgumentException>(() => new SgdOptions(LearningRate: learningRate).Create(3));
    }

    private static OptimizerOptions OptionsOf(JsonElement golden)
    {
        float lr = golden.GetProperty("lr").GetSingle();
        float weightDecay = golden.GetProperty("weight_decay").GetSingle();
        string optimizer = golden.GetProperty("optimizer").GetString()!;
        if (optimizer == "sgd")
        {
            return new SgdOptions(lr, golden.GetProperty("momentum").GetSingle(), golden.GetProperty("dampening").GetSingle(),
                weightDecay, golden.GetProperty("nesterov").GetBoolean());
        }

        float[] betas = Floats(golden.GetProperty("betas"));
        return new AdamOptions(lr, betas[0], betas[1], golden.GetProperty("eps").GetSingle(), weightDecay,
            DecoupledWeightDecay: optimizer == "adamw");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
}
