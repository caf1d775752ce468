using DistTrain.Core.Tensors;

namespace DistTrain.Core.Layers;

/// <summary>
/// Draws a model's initial parameters from one seeded <see cref="DeterministicRandom"/>, layer
/// by layer, weights before biases, so one seed reproduces one model exactly on every machine.
/// (The values are DistTrain's own: the same distributions as PyTorch, not PyTorch's stream.)
/// </summary>
public static class Initializers
{
    public static void Initialize(Sequential model, Span<float> parameters, InitializerKind kind, ulong seed)
    {
        model.CheckParameterLength(parameters, nameof(parameters));
        var random = new DeterministicRandom(seed);
        foreach (Layer layer in model.Layers)
        {
            if (layer is Dense dense)
            {
                Fill(kind, parameters.Slice(dense.WeightOffset, dense.WeightCount),
                    parameters.Slice(dense.BiasOffset, dense.OutputSize), dense.InputSize, dense.OutputSize, random);
            }
        }
    }

    public static void Fill(
        InitializerKind kind, Span<float> weights, Span<float> bias, int fanIn, int fanOut, DeterministicRandom random)
    {
        switch (kind)
        {
            case InitializerKind.PyTorchDefault:
                // kaiming_uniform_(a = sqrt(5)) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound.
                float bound = 1f / MathF.Sqrt(fanIn);
                FillUniform(weights, bound, random);
                FillUniform(bias, bound, random);
                break;
            case InitializerKind.He:
                double standardDeviation = Math.Sqrt(2.0 / fanIn);
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] = (float)(standardDeviation * random.NextGaussian());
                }

                bias.Clear();
                break;
            case InitializerKind.Glorot:
                FillUniform(weights, MathF.Sqrt(6f / (fanIn + fanOut)), random);
                bias.Clear();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown initializer.");
        }
    }

    private static void FillUniform(Span<float> values, float bound, DeterministicRandom random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextUniform(-bound, bound);
        }
    }
}
