using DistTrain.Core.Layers;
using DistTrain.Launcher.Onnx;

namespace DistTrain.Launcher.Export;

/// <summary><c>disttrain export</c>: writes a saved model as an ONNX file that other runtimes can run.</summary>
internal static class ExportCommand
{
    public static int Run(ExportSettings settings, LauncherConsole console)
    {
        AtomicFile.RequireFolder("--onnx", settings.OnnxPath);
        (Sequential model, float[] parameters) = settings.Model.Load();
        OnnxExporter.Write(settings.OnnxPath, model, parameters);
        console.Out.WriteLine(
            $"wrote {settings.OnnxPath}: input '{OnnxExporter.InputName}' [N, {model.InputSize}] float, " +
            $"output '{OnnxExporter.OutputName}' [N, {model.OutputSize}] (raw scores), ONNX opset {OnnxExporter.OpsetVersion}");
        return Launcher.Succeeded;
    }
}
