namespace PveEmulator;

/// <summary>Start-up settings of an emulated PVE node (the `serve` command line maps onto these).</summary>
public sealed class EmulatorOptions
{
    /// <summary>Default root@pam password when none is given.</summary>
    public const string DefaultRootPassword = "Emulator-Root-1";

    /// <summary>The pve-manager version the emulator answers as; it selects the version-dependent behaviour.</summary>
    public string PveVersion { get; set; } = "9.2.0";

    public string RootPassword { get; set; } = DefaultRootPassword;

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Optional JSON seed file with users, groups, tokens, ACLs and roles.</summary>
    public string? SeedFile { get; set; }

    /// <summary>E-mail address of root@pam (a fresh node has the one given at installation).</summary>
    public string RootEmail { get; set; } = "admin@example.com";

    /// <summary>Delay of every failed authentication (real PVE: about 3 s).</summary>
    public int AuthFailureDelayMs { get; set; } = 3000;

    /// <summary>Ticket lifetime (real PVE: 2 h).</summary>
    public int TicketLifetimeSeconds { get; set; } = 7200;

    // Fault injection (all off by default; see Faults/FaultInjector.cs, live on EmulatorHost.Faults).

    /// <summary>Delay of every response under /api2/json/, in ms (`--fault-latency-ms`).</summary>
    public int FaultLatencyMs { get; set; }

    /// <summary>Share (0..1) of requests answered 502/503 without running the handler (`--fault-5xx-rate`).</summary>
    public double FaultServerErrorRate { get; set; }

    /// <summary>Share (0..1) of connections reset before the request is read (`--fault-drop-before-rate`).</summary>
    public double FaultDropBeforeRate { get; set; }

    /// <summary>Share (0..1) of requests run and then reset before any response byte (`--fault-drop-after-rate`).</summary>
    public double FaultDropAfterRate { get; set; }

    /// <summary>Share (0..1) of requests run and answered 200 with a truncated or non-JSON body (`--fault-malformed-rate`).</summary>
    public double FaultMalformedRate { get; set; }

    /// <summary>Stall of every non-empty body after the headers and its first half, in ms (`--fault-slow-body-ms`).</summary>
    public int FaultSlowBodyMs { get; set; }

    /// <summary>Seed of the fault draws, so runs repeat (`--fault-seed`); null picks one (see EmulatorHost.Faults.Seed).</summary>
    public int? FaultSeed { get; set; }

    /// <summary>Restrict the rates, latency and slow bodies to one HTTP method, e.g. "GET" (`--fault-method`).</summary>
    public string? FaultMethod { get; set; }
}
