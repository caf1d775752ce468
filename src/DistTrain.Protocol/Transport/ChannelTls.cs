using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// TLS with mutual authentication for tensor channels: both ends present the node certificate and
/// require the peer's. A peer's certificate is accepted when
/// <list type="bullet">
/// <item>validation is suppressed (remoting's <c>suppress-validation</c>): any certificate, but one must be presented;</item>
/// <item>or it is the very certificate this node holds (same thumbprint): the usual cluster setup, one
/// certificate shared by every node, self-signed or not;</item>
/// <item>or its chain validates against the machine's trusted roots. The host name is not checked, as
/// remoting does not check it by default: nodes are addressed by IP as often as by name.</item>
/// </list>
/// Anything else fails the handshake, and the connection is closed before any chunk is read.
/// </summary>
public sealed class ChannelTls
{
    private readonly X509Certificate2 _certificate;
    private readonly bool _suppressValidation;

    public ChannelTls(X509Certificate2 certificate, bool suppressValidation)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        _certificate = certificate;
        _suppressValidation = suppressValidation;
    }

    public async Task<Stream> AuthenticateAsClientAsync(Stream inner, string host, CancellationToken cancellation)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificates = [_certificate],
            RemoteCertificateValidationCallback = Accepts,
        };
        await tls.AuthenticateAsClientAsync(options, cancellation);
        return tls;
    }

    public async Task<Stream> AuthenticateAsServerAsync(Stream inner, CancellationToken cancellation)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = Accepts,
        };
        await tls.AuthenticateAsServerAsync(options, cancellation);
        return tls;
    }

    /// <summary>The rule in the type's header, for one presented certificate.</summary>
    public bool Accepts(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        if (_suppressValidation)
        {
            return true;
        }

        if (certificate.GetCertHashString() == _certificate.GetCertHashString())
        {
            return true;
        }

        return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
    }
}
