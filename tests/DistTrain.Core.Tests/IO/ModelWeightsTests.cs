using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using Xunit;

namespace DistTrain.Core.Tests.IO;

public class ModelWeightsTests
{
    [Fact]
    public void SaveThenLoad_Model_RoundTripsEveryParameter()
    {
        using var directory = new TempDirectory();
        Sequential model = Sequential.MultilayerPerceptron(5, [4, 3], 2);
        float[] parameters = TestData.Uniform(model.ParameterCount, 1);
        string path = directory.File("model.safetensors");
        ModelWeights.Save(model, parameters, path);
        Assert.Equal(parameters, ModelWeights.Load(model, path));
        Assert.Equal(
            ["dense0.bias", "dense0.weight", "dense1.bias", "dense1.weight", "dense2.bias", "dense2.weight"],
            SafeTensorsFile.Read(path).Tensors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("partial.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("dense0.weight", [3, 5], new float[15])]);
        var exception = Assert.Throws<SafeTensorsFormatException>(() => ModelWeights.Load(Sequential.MultilayerPerceptron(5, [], 3), path));
        Assert.Contains("'dense0.bias' is missing", exception.Message);
    }

    [Fact]
    public void Load_WrongShape_NamesTensorAndBothShapes()
    {
        using var directory = new TempDirectory();
        string path = directory.File("transposed.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("dense0.weight", [5, 3], new float[15]), new NamedTensor("dense0.bias", [3], new float[3])]);
        var exception = Assert.Throws<SafeTensorsFormatException>(() => ModelWeights.Load(Sequential.MultilayerPerceptron(5, [], 3), path));
        Assert.Contains("'dense0.weight' has shape [5, 3], but the model needs [3, 5]", exception.Message);
    }
}
