namespace DistTrain.Launcher.Onnx;

/// <summary>
/// The field numbers and enum values of onnx/onnx.proto that <see cref="OnnxExporter"/> writes,
/// one nested class per message, named as the .proto names them.
/// </summary>
internal static class OnnxFields
{
    public static class Model
    {
        public const int IrVersion = 1;
        public const int ProducerName = 2;
        public const int ProducerVersion = 3;
        public const int Graph = 7;
        public const int OpsetImport = 8;
    }

    public static class OperatorSetId
    {
        public const int Domain = 1;
        public const int Version = 2;
    }

    public static class Graph
    {
        public const int Node = 1;
        public const int Name = 2;
        public const int Initializer = 5;
        public const int Input = 11;
        public const int Output = 12;
    }

    public static class Node
    {
        public const int Input = 1;
        public const int Output = 2;
        public const int Name = 3;
        public const int OpType = 4;
        public const int Attribute = 5;
    }

    public static class Attribute
    {
        public const int Name = 1;
        public const int F = 2;
        public const int I = 3;
        public const int Type = 20;

        /// <summary>AttributeProto.AttributeType.</summary>
        public const int TypeFloat = 1;
        public const int TypeInt = 2;
    }

    public static class Tensor
    {
        public const int Dims = 1;
        public const int DataType = 2;
        public const int Name = 8;
        public const int RawData = 9;

        /// <summary>TensorProto.DataType.FLOAT.</summary>
        public const int Float = 1;
    }

    public static class ValueInfo
    {
        public const int Name = 1;
        public const int Type = 2;
    }

    /// <summary>TypeProto's tensor_type, TypeProto.Tensor's fields, and TensorShapeProto's dim and Dimension's fields.</summary>
    public static class Type
    {
        public const int TensorType = 1;
        public const int ElementType = 1;
        public const int Shape = 2;
        public const int Dim = 1;
        public const int DimValue = 1;
        public const int DimParam = 2;
    }
}
