using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PveEmulator.Api;
using PveEmulator.Faults;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator;

/// <summary>An emulated PVE node over HTTPS on 127.0.0.1, usable in-process (xunit) or through `serve`.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    /// <summary>Key of the connection's sequence number in the connection items.</summary>
    internal const string ConnectionIdKey = "pve-emulator.connection-id";

    private readonly WebApplication _app;
    private readonly RequestLog _log;
    private readonly ConnectionCounter _connections;

    private EmulatorHost(WebApplication app, Uri url, X509Certificate2 certificate, EmulatorState state, RequestLog log, ConnectionCounter connections,
                         FaultInjector faults)
    {
        Faults = faults;
        _app = app;
        Url = url;
        Certificate = certificate;
        CertificateSha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        State = state;
        _log = log;
        _connections = connections;
    }

    /// <summary>Base URL, e.g. https://127.0.0.1:34567 (no path).</summary>
    public Uri Url { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the server certificate as 64 upper-case hex digits.</summary>
    public string CertificateSha256 { get; }

    /// <summary>The node's users, groups, tokens, roles and ACLs: seed and inspect them here.</summary>
    public EmulatorState State { get; }

    /// <summary>A snapshot of the requests served so far (never with credentials).</summary>
    public IReadOnlyList<RequestLogEntry> RequestLog => _log.Snapshot();

    /// <summary>TCP connections accepted so far (real PVE closes the connection after every write).</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connections.Count);

    /// <summary>TCP connections open right now (accepted and not yet closed).</summary>
    public int ActiveConnections => Volatile.Read(ref _connections.Active);

    /// <summary>Fault injection, off unless the options turn it on; switch faults on and off here between calls.</summary>
    public FaultInjector Faults { get; }

    public void ClearRequestLog() => _log.Clear();

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = new EmulatorState(PveVersion.Parse(options.PveVersion), options.RootPassword, options.RootEmail);
        if (options.SeedFile is not null)
        {
            SeedFile.Apply(state, options.SeedFile);
        }
        var router = new Router();
        router.AddRange(AccessApi.Methods());
        router.AddRange(UsersApi.Methods());
        router.AddRange(TokensApi.Methods(state.Version));
        router.AddRange(GroupsApi.Methods());
        router.AddRange(RolesApi.Methods());
        router.AddRange(AclApi.Methods());
        router.AddRange(PermissionsApi.Methods());
        var log = new RequestLog();
        var faults = new FaultInjector(options);
        var pipeline = new RequestPipeline(state, options, router, log, faults);
        var connections = new ConnectionCounter();

        X509Certificate2 certificate = CreateSelfSignedCertificate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                // pveproxy speaks HTTP/1.1 only: reason phrases and Connection headers matter to clients.
                listen.Protocols = HttpProtocols.Http1;
                // Counted before TLS, so handshakes that fail are connections too.
                listen.Use(next => async connection =>
                {
                    connection.Items[ConnectionIdKey] = Interlocked.Increment(ref connections.Count);
                    Interlocked.Increment(ref connections.Active);
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref connections.Active);
                    }
                });
                listen.UseHttps(certificate);
                listen.Use(next => connection =>
                {
                    connection.Transport = new KeepAliveCasingWriter.Duplex(connection.Transport);
                    return next(connection);
                });
            });
        });
        WebApplication app = builder.Build();
        app.Run(pipeline.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorHost(app, new Uri(address), certificate, state, log, connections, faults);
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pve-emulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    /// <summary>Mutable cells for Interlocked (captured by the connection middleware).</summary>
    private sealed class ConnectionCounter
    {
        public long Count;
        public int Active;
    }
}
