using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DistTrain.Integration.Tests;

/// <summary>Self-signed certificates written as password-protected PFX files in a temporary folder, deleted on dispose.</summary>
internal sealed class TestCertificates : IDisposable
{
    public const string Password = "disttrain-test";

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-tls-").FullName;

    /// <summary>A new self-signed certificate for <c>CN=<paramref name="name"/></c> with a private key, as a PFX file.</summary>
    public string Create(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string path = Path.Combine(_folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
