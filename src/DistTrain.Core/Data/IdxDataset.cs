namespace DistTrain.Core.Data;

/// <summary>
/// Joins an IDX images file and an IDX labels file into one <see cref="Dataset"/>: image
/// <c>i</c> flattened row-major is sample <c>i</c>'s features and label <c>i</c> its class. It
/// checks that the two files agree (same count, every label below the class count). Pixels stay
/// bytes in memory and read as <c>byte / 255f</c>, in [0, 1]; it does not normalise further.
/// </summary>
public static class IdxDataset
{
    /// <summary>The largest pixel value: features are <c>byte / 255f</c>, a true division.</summary>
    private const float PixelDivisor = 255f;

    public static Dataset Load(string imagesPath, string labelsPath, int classCount = 10, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);

        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labelBytes = IdxReader.ReadLabels(labelsPath);
        if (labelBytes.Length != images.Count)
        {
            throw new DatasetFormatException(labelsPath,
                $"count mismatch: {imagesPath} holds {images.Count} images but {labelsPath} holds {labelBytes.Length} labels");
        }

        int[] labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labelBytes[i];
            if (label >= classCount)
            {
                throw new DatasetFormatException(labelsPath,
                    $"label {label} at index {i} is not below the class count {classCount}");
            }

            labels[i] = label;
        }

        DatasetFeatures features = DatasetFeatures.FromBytes(images.Pixels, PixelDivisor);
        return new Dataset(name ?? DefaultName(imagesPath), features, labels, images.PixelsPerImage, classCount);
    }

    /// <summary><c>train-images-idx3-ubyte.gz</c> becomes <c>train-images-idx3-ubyte</c>.</summary>
    private static string DefaultName(string imagesPath)
    {
        string fileName = Path.GetFileName(imagesPath);
        return fileName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? fileName[..^3] : fileName;
    }
}
