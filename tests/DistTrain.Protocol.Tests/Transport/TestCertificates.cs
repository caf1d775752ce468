using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>Self-signed certificates with private keys, made for one test run.</summary>
public static class TestCertificates
{
    public static X509Certificate2 SelfSigned(string commonName) =>
        X509CertificateLoader.LoadPkcs12(Pkcs12(commonName, password: null), null);

    /// <summary>A PKCS#12 file of a fresh certificate, as remoting's <c>ssl.certificate.path</c> names one.</summary>
    public static byte[] Pkcs12(string commonName, string? password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Pkcs12, password);
    }
}
