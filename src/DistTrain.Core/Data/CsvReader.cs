using System.Globalization;

namespace DistTrain.Core.Data;

/// <summary>
/// Reads a classification data set from a comma-separated file: one sample per line, one
/// column holding the integer class label and every other column a numeric feature, parsed
/// with the invariant culture (<c>.</c> decimal point). A first row that is not all numbers is
/// taken as a header unless the caller says otherwise; blank lines are skipped. Faults name the
/// file, line and column (both counted from 1). It deliberately reads only plain numeric CSV:
/// no quoting, no other separators, no missing values.
/// </summary>
public static class CsvReader
{
    public static Dataset Read(string path, int labelColumn = 0, int? classCount = null, bool? hasHeader = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(labelColumn);
        if (classCount is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must be positive.");
        }

        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, "does not exist");
        }

        var features = new List<float>();
        var labels = new List<int>();
        int fieldCount = -1;
        int firstLineNumber = 0;
        int lineNumber = 0;
        int maxLabel = -1;
        using var reader = new StreamReader(path);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (fieldCount < 0)
            {
                fieldCount = CountFields(line);
                firstLineNumber = lineNumber;
                if (labelColumn >= fieldCount)
                {
                    throw new DatasetFormatException(path,
                        $"line {lineNumber}: label column {labelColumn + 1} is beyond the {fieldCount} columns of the file");
                }

                if (fieldCount < 2)
                {
                    throw new DatasetFormatException(path,
                        $"line {lineNumber}: only {fieldCount} column, but a label and at least one feature are needed");
                }

                if (hasHeader ?? !IsAllNumeric(line))
                {
                    continue;
                }
            }

            int label = ParseRow(path, line, lineNumber, fieldCount, firstLineNumber, labelColumn, classCount, features);
            labels.Add(label);
            maxLabel = Math.Max(maxLabel, label);
        }

        if (fieldCount < 0)
        {
            throw new DatasetFormatException(path, "is empty");
        }

        if (labels.Count == 0)
        {
            throw new DatasetFormatException(path, "holds a header but no data rows");
        }

        string name = Path.GetFileNameWithoutExtension(path);
        return new Dataset(name, features.ToArray(), labels.ToArray(), fieldCount - 1, classCount ?? maxLabel + 1);
    }

    /// <summary>Parses one data row, appending its features; returns its label.</summary>
    private static int ParseRow(string path, string line, int lineNumber, int fieldCount, int firstLineNumber,
        int labelColumn, int? classCount, List<float> features)
    {
        int fields = CountFields(line);
        if (fields != fieldCount)
        {
            throw new DatasetFormatException(path,
                $"line {lineNumber}: ragged row with {fields} fields, but line {firstLineNumber} has {fieldCount}");
        }

        int label = -1;
        int column = 0;
        foreach (Range range in line.AsSpan().Split(','))
        {
            ReadOnlySpan<char> field = line.AsSpan(range).Trim();
            if (column == labelColumn)
            {
                label = ParseLabel(path, field, lineNumber, column, classCount);
            }
            else
            {
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    throw Fault(path, lineNumber, column, $"'{field}' is not a number");
                }

                if (!float.IsFinite(value))
                {
                    throw Fault(path, lineNumber, column, $"'{field}' is not a finite number");
                }

                features.Add(value);
            }

            column++;
        }

        return label;
    }

    private static int ParseLabel(string path, ReadOnlySpan<char> field, int lineNumber, int column, int? classCount)
    {
        // Labels written by tools that store every column as float ("3.0") are accepted when integral.
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw Fault(path, lineNumber, column, $"label '{field}' is not a number");
        }

        if (value < 0 || value != Math.Floor(value) || value > int.MaxValue - 1)
        {
            throw Fault(path, lineNumber, column, $"label '{field}' is not a non-negative integer");
        }

        int label = (int)value;
        if (classCount is { } count && label >= count)
        {
            throw Fault(path, lineNumber, column, $"label {label} is not below the class count {count}");
        }

        return label;
    }

    private static int CountFields(string line) => line.AsSpan().Count(',') + 1;

    private static bool IsAllNumeric(string line)
    {
        foreach (Range range in line.AsSpan().Split(','))
        {
            if (!double.TryParse(line.AsSpan(range).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }

        return true;
    }

    private static DatasetFormatException Fault(string path, int lineNumber, int column, string fault) =>
        new(path, $"line {lineNumber}, column {column + 1}: {fault}");
}
