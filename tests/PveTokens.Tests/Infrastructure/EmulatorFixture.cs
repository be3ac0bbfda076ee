using PveEmulator;

namespace PveTokens.Tests.Infrastructure;

/// <summary>Starts in-process emulators for a test and disposes them; failed logins answer at once.</summary>
public static class Emulators
{
    public const string RootPassword = "Emulator-Root-1";

    public static Task<EmulatorHost> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { PveVersion = "9.2.0", RootPassword = RootPassword, AuthFailureDelayMs = 0, TicketLifetimeSeconds = 7200 };
        configure?.Invoke(options);
        return EmulatorHost.StartAsync(options);
    }

    /// <summary>Variables for a connect script: $url, $fp (the certificate's SHA-256) and any extra.</summary>
    public static Dictionary<string, object?> Vars(EmulatorHost host, params (string Name, object? Value)[] extra)
    {
        var vars = new Dictionary<string, object?> { ["url"] = host.Url.ToString(), ["fp"] = host.CertificateSha256 };
        foreach ((string name, object? value) in extra)
        {
            vars[name] = value;
        }

        return vars;
    }
}
