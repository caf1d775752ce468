using System.Globalization;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;

namespace DistTrain.Launcher.Models;

/// <summary>
/// A model's parameters in a safetensors file, as <c>disttrain train --save</c> writes them and
/// PyTorch reads and writes them: <c>dense{i}.weight</c> <c>[out, in]</c> and <c>dense{i}.bias</c>
/// <c>[out]</c>, F32. The layer sizes are read off the weight shapes; what the tensors cannot say
/// (the activation and the loss) DistTrain keeps in the file's metadata, and a file without it
/// (one PyTorch wrote) is read as ReLU and cross-entropy unless the command line says otherwise.
/// </summary>
internal static class ModelFile
{
    public const string ActivationKey = "activation";
    public const string LossKey = "loss";
    public const string LeakySlopeKey = "leaky_slope";

    /// <summary>Writes the parameters (atomically, as <see cref="SafeTensorsFile.Write"/> does) with the model's activation and loss.</summary>
    public static void Save(string path, Sequential model, ReadOnlySpan<float> parameters, TrainerOptions training)
    {
        var metadata = new Dictionary<string, string>
        {
            [ActivationKey] = LayerNames.Name(training.Activation),
            [LossKey] = LayerNames.Name(training.Loss),
        };
        if (training.Activation == ActivationKind.LeakyReLU)
        {
            metadata[LeakySlopeKey] = training.LeakySlope.ToString("R", CultureInfo.InvariantCulture);
        }

        ModelWeights.Save(model, parameters, path, metadata);
    }

    /// <summary>
    /// Reads the parameters <paramref name="model"/> needs from the file <paramref name="option"/> names;
    /// a file that is missing, corrupt or does not fit the model is an error naming the option.
    /// </summary>
    public static float[] LoadInto(Sequential model, string path, string option)
    {
        try
        {
            return ModelWeights.Load(model, path);
        }
        catch (SafeTensorsFormatException exception)
        {
            throw new LauncherException($"{option} {exception.Message}");
        }
    }

    /// <summary>
    /// Reads a model and its parameters. <paramref name="hiddenSizes"/>, <paramref name="activation"/>
    /// and <paramref name="loss"/> override what the file says or implies; a file that does not fit
    /// them is an error naming the tensor.
    /// </summary>
    public static (Sequential Model, float[] Parameters) Load(string path, IReadOnlyList<int>? hiddenSizes, string? activation, string? loss)
    {
        try
        {
            Sequential model = Describe(SafeTensorsFile.Read(path), path, hiddenSizes, activation, loss);
            return (model, ModelWeights.Load(model, path));
        }
        catch (SafeTensorsFormatException exception)
        {
            throw new LauncherException($"--model {exception.Message}");
        }
    }

    /// <summary>The model a file holds: layer sizes from its weights, activation and loss from its metadata, unless overridden.</summary>
    private static Sequential Describe(SafeTensors file, string path, IReadOnlyList<int>? hiddenSizes, string? activation, string? loss)
    {
        (int inputSize, int[] inferredHidden, int classCount) = LayerSizes(path, file);
        activation ??= Metadata(path, file, ActivationKey, LayerNames.Activations) ?? "relu";
        loss ??= Metadata(path, file, LossKey, LayerNames.Losses) ?? "cross-entropy";
        float leakySlope = Activation.DefaultLeakySlope;
        if (file.Metadata.GetValueOrDefault(LeakySlopeKey) is { } slope
            && !float.TryParse(slope, NumberStyles.Float, CultureInfo.InvariantCulture, out leakySlope))
        {
            throw new SafeTensorsFormatException(path, $"metadata '{LeakySlopeKey}' is '{slope}', not a number");
        }

        return Sequential.MultilayerPerceptron(
            inputSize, hiddenSizes ?? inferredHidden, classCount,
            LayerNames.ParseActivation(activation), LayerNames.ParseLoss(loss), leakySlope);
    }

    /// <summary>
    /// The layer sizes the weights imply: dense0.weight <c>[h0, input]</c>, dense1.weight <c>[h1, h0]</c>,
    /// ..., the last <c>[classes, h_last]</c>; each layer's input must be the previous one's output.
    /// </summary>
    private static (int InputSize, int[] HiddenSizes, int ClassCount) LayerSizes(string path, SafeTensors file)
    {
        var outputs = new List<int>();
        int inputSize = 0;
        for (int i = 0; file.Tensors.TryGetValue($"dense{i}.weight", out NamedTensor? weight); i++)
        {
            if (weight.Shape.Length != 2)
            {
                throw new SafeTensorsFormatException(path, $"tensor 'dense{i}.weight' has shape [{string.Join(", ", weight.Shape)}]; a dense weight is [out, in]");
            }

            if (i == 0)
            {
                inputSize = weight.Shape[1];
            }
            else if (weight.Shape[1] != outputs[^1])
            {
                throw new SafeTensorsFormatException(path,
                    $"tensor 'dense{i}.weight' takes {weight.Shape[1]} inputs, but 'dense{i - 1}.weight' gives {outputs[^1]} outputs");
            }

            outputs.Add(weight.Shape[0]);
        }

        if (outputs.Count == 0)
        {
            throw new SafeTensorsFormatException(path,
                "has no tensor 'dense0.weight'; a model file holds dense{i}.weight [out, in] and dense{i}.bias [out] for i = 0, 1, ...");
        }

        return (inputSize, outputs.Take(outputs.Count - 1).ToArray(), outputs[^1]);
    }

    private static string? Metadata(string path, SafeTensors file, string key, IReadOnlyList<string> choices)
    {
        if (file.Metadata.GetValueOrDefault(key) is not { } value)
        {
            return null;
        }

        return choices.Contains(value)
            ? value
            : throw new SafeTensorsFormatException(path, $"metadata '{key}' is '{value}', not one of {string.Join(", ", choices)}");
    }
}
