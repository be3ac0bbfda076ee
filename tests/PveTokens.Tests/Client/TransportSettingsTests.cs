using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using PveEmulator;
using PveTokens.Client;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Reliability;

namespace PveTokens.Tests.Client;

/// <summary>
/// The transport settings Windows PowerShell 5.1 needs against PVE (.NET Framework's defaults are
/// Expect: 100-continue, Nagle and 2 connections per host). 5.1 cannot run here, so what the
/// framework would read is asserted: every request the client sends (whatever cmdlet sent it) says
/// "no 100-continue", and the handler and the server's ServicePoint carry the settings.
/// </summary>
public sealed class TransportSettingsTests
{
    [Fact]
    public void The_handler_and_the_servers_ServicePoint_are_set_for_PVE()
    {
        var server = new Uri("https://pve-transport.test:8006/");
        using var client = new PveClient(new PveClientOptions(server));
        using HttpClientHandler handler = client.CreateHandler();

        Assert.True(PveClient.MaxConnectionsPerServer > 2);
        Assert.Equal(PveClient.MaxConnectionsPerServer, handler.MaxConnectionsPerServer);
        Assert.False(handler.UseCookies);
        Assert.False(handler.AllowAutoRedirect);

#pragma warning disable SYSLIB0014 // ServicePointManager: what .NET Framework reads; obsolete (and unused) on .NET.
        Assert.Same(client.ServicePoint, ServicePointManager.FindServicePoint(server));
#pragma warning restore SYSLIB0014
        Assert.False(client.ServicePoint.Expect100Continue);
        Assert.False(client.ServicePoint.UseNagleAlgorithm);
        Assert.True(client.ServicePoint.ConnectionLimit >= PveClient.MaxConnectionsPerServer);
    }

    [Fact]
    public async Task No_request_of_any_cmdlet_asks_for_100_continue()
    {
        // Listening before the first client exists: .NET adds its diagnostics to a handler only while someone listens.
        var all = new ConcurrentQueue<(int Port, string Method, bool? ExpectContinue, bool HasExpectHeader)>();
        using var observer = new RequestObserver(request =>
            all.Enqueue((request.RequestUri?.Port ?? 0, request.Method.Method, request.Headers.ExpectContinue, request.Headers.Contains("Expect"))));
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 0");
        c.State.AddGroup("ops");
        int port = c.Host.Url.Port;
        IEnumerable<(int Port, string Method, bool? ExpectContinue, bool HasExpectHeader)> seen = all.Where(r => r.Port == port);

        PsResult commands = c.Ps.Run("Get-Command -Module PveTokens -CommandType Cmdlet | Sort-Object Name | ForEach-Object Name");
        var silent = new List<string>();
        int n = 0;
        foreach (string command in commands.Output.Select(o => o.ToString()))
        {
            Func<int, Dictionary<string, object?>> invocation = Assert.Contains(command, (IDictionary<string, Func<int, Dictionary<string, object?>>>)BadInputTests.Invocations);
            c.State.AddToken("ci@pve", $"victim{++n}", privsep: true, comment: "v");
            Dictionary<string, object?> arguments = invocation(n);
            if (command == "Disconnect-PveServer")
            {
                // It sends nothing, and closing the default session (the one Connect-PveServer continued) would end the test.
                silent.Add(command);
                continue;
            }

            if (command == "Connect-PveServer")
            {
                arguments["Server"] = c.Host.Url.ToString();
                arguments["CertificateThumbprint"] = c.Host.CertificateSha256;
            }
            else if (c.Ps.Run($"(Get-Command {command}).Parameters.ContainsKey('Session')").Output.Single().BaseObject is true)
            {
                arguments["Session"] = c.Session;
            }

            int before = seen.Count();
            c.Ps.Run($"& {command} @a -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null", new() { ["a"] = arguments });
            if (seen.Count() == before)
            {
                silent.Add(command);
            }
        }

        // The cmdlets that talk to no server; every other one was seen sending.
        Assert.Equal(new[] { "ConvertTo-PveTokenHandoff", "Disconnect-PveServer", "Get-PveSession", "Set-PveSession" }, silent);
        Assert.Equal(new[] { "DELETE", "GET", "POST", "PUT" }, seen.Select(r => r.Method).Distinct().Order());
        Assert.All(seen, r => Assert.False(r.ExpectContinue ?? true, $"{r.Method} left without ExpectContinue = false"));
        Assert.DoesNotContain(seen, r => r.HasExpectHeader);
    }

    [Fact]
    public async Task The_emulator_never_sends_100_Continue_as_PVE_does_not()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        byte[] form = Encoding.UTF8.GetBytes("username=root%40pam&password=" + Uri.EscapeDataString(Emulators.RootPassword));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.Url.Host, host.Url.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] });

        // The headers alone, as a client that waits for "100 Continue" sends them; Kestrel would answer
        // with it as soon as the request body is first read.
        string head = $"POST /api2/json/access/ticket HTTP/1.1\r\nHost: {host.Url.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
                      $"Content-Length: {form.Length}\r\nExpect: 100-continue\r\n\r\n";
        await tls.WriteAsync(Encoding.ASCII.GetBytes(head));
        await tls.FlushAsync();
        var buffer = new byte[4096];
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
        {
            int early = 0;
            try
            {
                early = await tls.ReadAsync(buffer, wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Nothing came: what PVE does too.
            }

            Assert.True(early == 0, "the emulator answered before the body was sent: " + Encoding.ASCII.GetString(buffer, 0, early));
        }

        await tls.WriteAsync(form);
        await tls.FlushAsync();
        int n = await tls.ReadAsync(buffer);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
    }

    /// <summary>
    /// Sees every HttpRequestMessage that .NET's HttpClientHandler sends in this process, after
    /// HttpClient merged its default headers (System.Net.Http's diagnostic events).
    /// </summary>
    private sealed class RequestObserver : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly Action<HttpRequestMessage> _onRequest;
        private readonly List<IDisposable> _subscriptions = new();

        internal RequestObserver(Action<HttpRequestMessage> onRequest)
        {
            _onRequest = onRequest;
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "HttpHandlerDiagnosticListener")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(listener.Subscribe(this, (_, _, _) => true));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> e)
        {
            if (e.Key == "System.Net.Http.HttpRequestOut.Start" &&
                e.Value?.GetType().GetProperty("Request")?.GetValue(e.Value) is HttpRequestMessage request)
            {
                _onRequest(request);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}
