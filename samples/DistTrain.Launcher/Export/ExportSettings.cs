using DistTrain.Launcher.Models;

namespace DistTrain.Launcher.Export;

/// <summary>What <c>disttrain export</c> was asked to do: which model, to which ONNX file.</summary>
internal sealed record ExportSettings(ModelOptions Model, string OnnxPath);
