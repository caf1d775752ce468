using System.Runtime.InteropServices;
using DistTrain.Core.Layers;
using F = DistTrain.Launcher.Onnx.OnnxFields;

namespace DistTrain.Launcher.Onnx;

/// <summary>
/// Writes a <see cref="Sequential"/> multilayer perceptron and its parameters as an ONNX model
/// (IR version 8, opset 17) that computes what <see cref="Sequential.Forward"/> computes:
/// <code>
/// input [N, features] float
///   -> Gemm(dense0.weight [out, in], dense0.bias [out], transB = 1)   Y = X W^T + b
///   -> Relu | LeakyRelu(alpha = the model's slope) | Tanh | Sigmoid
///   -> ... -> Gemm(last dense) -> logits [N, classes]
/// </code>
/// The weights keep DistTrain's (and PyTorch's) [out, in] layout, which is why Gemm transposes B.
/// The loss is not part of the graph: the output is the raw scores, softmax not applied. N is a
/// symbolic dimension, so any batch size runs.
/// </summary>
internal static class OnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    public static void Write(string path, Sequential model, ReadOnlySpan<float> parameters)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is big-endian.");
        }

        var graph = new ProtoWriter().String(F.Graph.Name, "disttrain");
        string current = InputName;
        int dense = 0;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            string output = l == model.Layers.Count - 1 ? OutputName : $"layer{l}.output";
            switch (model.Layers[l])
            {
                case Dense layer:
                    string weight = $"dense{dense}.weight", bias = $"dense{dense}.bias";
                    graph.Message(F.Graph.Initializer, Tensor(weight, [layer.OutputSize, layer.InputSize], parameters.Slice(layer.WeightOffset, layer.WeightCount)));
                    graph.Message(F.Graph.Initializer, Tensor(bias, [layer.OutputSize], parameters.Slice(layer.BiasOffset, layer.OutputSize)));
                    graph.Message(F.Graph.Node, Node("Gemm", $"dense{dense}", [current, weight, bias], output)
                        .Message(F.Node.Attribute, IntAttribute("transB", 1)));
                    dense++;
                    break;
                case Activation activation:
                    graph.Message(F.Graph.Node, ActivationNode(activation, $"activation{l}", current, output));
                    break;
                default:
                    throw new NotSupportedException($"Layer {l} ({model.Layers[l].GetType().Name}) has no ONNX form here.");
            }

            current = output;
        }

        graph.Message(F.Graph.Input, TensorValue(InputName, model.InputSize));
        graph.Message(F.Graph.Output, TensorValue(OutputName, model.OutputSize));

        ProtoWriter onnx = new ProtoWriter()
            .Int64(F.Model.IrVersion, IrVersion)
            .String(F.Model.ProducerName, "disttrain")
            .String(F.Model.ProducerVersion, typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(F.Model.Graph, graph)
            .Message(F.Model.OpsetImport, new ProtoWriter().String(F.OperatorSetId.Domain, "").Int64(F.OperatorSetId.Version, OpsetVersion));
        AtomicFile.Write(path, onnx.ToArray());
    }

    private static ProtoWriter ActivationNode(Activation activation, string name, string input, string output) => activation.Kind switch
    {
        ActivationKind.ReLU => Node("Relu", name, [input], output),
        ActivationKind.LeakyReLU => Node("LeakyRelu", name, [input], output).Message(F.Node.Attribute, FloatAttribute("alpha", activation.LeakySlope)),
        ActivationKind.Tanh => Node("Tanh", name, [input], output),
        _ => Node("Sigmoid", name, [input], output),
    };

    private static ProtoWriter Node(string operation, string name, string[] inputs, string output)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(F.Node.Input, input);
        }

        return node.String(F.Node.Output, output).String(F.Node.Name, name).String(F.Node.OpType, operation);
    }

    private static ProtoWriter IntAttribute(string name, long value) =>
        new ProtoWriter().String(F.Attribute.Name, name).Int64(F.Attribute.I, value).Int64(F.Attribute.Type, F.Attribute.TypeInt);

    private static ProtoWriter FloatAttribute(string name, float value) =>
        new ProtoWriter().String(F.Attribute.Name, name).Float(F.Attribute.F, value).Int64(F.Attribute.Type, F.Attribute.TypeFloat);

    /// <summary>A float tensor with its data as raw little-endian bytes (dims are repeated, one field each).</summary>
    private static ProtoWriter Tensor(string name, long[] dims, ReadOnlySpan<float> data)
    {
        var tensor = new ProtoWriter();
        foreach (long dim in dims)
        {
            tensor.Int64(F.Tensor.Dims, dim);
        }

        return tensor.Int64(F.Tensor.DataType, F.Tensor.Float).String(F.Tensor.Name, name).Bytes(F.Tensor.RawData, MemoryMarshal.AsBytes(data));
    }

    /// <summary>A graph input or output: a float tensor of shape [N, width] with N symbolic.</summary>
    private static ProtoWriter TensorValue(string name, int width)
    {
        ProtoWriter shape = new ProtoWriter()
            .Message(F.Type.Dim, new ProtoWriter().String(F.Type.DimParam, "N"))
            .Message(F.Type.Dim, new ProtoWriter().Int64(F.Type.DimValue, width));
        ProtoWriter tensorType = new ProtoWriter().Int64(F.Type.ElementType, F.Tensor.Float).Message(F.Type.Shape, shape);
        return new ProtoWriter().String(F.ValueInfo.Name, name).Message(F.ValueInfo.Type, new ProtoWriter().Message(F.Type.TensorType, tensorType));
    }
}
