using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using PveEmulator;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

/// <summary>
/// An in-process emulator seeded like the docs' example fixture, and a PowerShell connected to it
/// as root@pam (ticket). The request log is cleared after connecting, so a test sees only its own calls.
/// </summary>
public sealed class TokenTestContext : IAsyncDisposable
{
    public const string BackupSecret = "5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92";

    private TokenTestContext(EmulatorHost host, PowerShellHost ps)
    {
        Host = host;
        Ps = ps;
    }

    public EmulatorHost Host { get; }

    public PowerShellHost Ps { get; }

    public EmulatorState State => Host.State;

    /// <summary>
    /// The calls the emulator served since connecting (or since <see cref="ClearLog"/>). The emulator
    /// adds an entry only after it has answered, so this waits until the log stops growing.
    /// </summary>
    public IReadOnlyList<RequestLogEntry> Requests
    {
        get
        {
            IReadOnlyList<RequestLogEntry> last = Host.RequestLog;
            for (int stable = 0, round = 0; stable < 2 && round < 40; round++)
            {
                Thread.Sleep(25);
                IReadOnlyList<RequestLogEntry> now = Host.RequestLog;
                stable = now.Count == last.Count ? stable + 1 : 0;
                last = now;
            }

            return last;
        }
    }

    /// <summary>
    /// Users ci@pve (token backup: privsep 1, no expiry, comment "nightly backup"; an ACL entry
    /// PVEVMUser on /vms) and alice@pve (token old, expired in 2023).
    /// </summary>
    public static async Task<TokenTestContext> StartAsync(string pveVersion = "9.2.0", Action<EmulatorState>? seed = null, bool standardSeed = true)
    {
        EmulatorHost host = await Emulators.StartAsync(o => o.PveVersion = pveVersion);
        if (standardSeed)
        {
            host.State.AddGroup("automation", "Service accounts");
            host.State.AddUser("ci@pve", password: "Ci-Example-Pass-1", groups: new[] { "automation" });
            host.State.AddUser("alice@pve", password: "Alice-Example-Pass-1");
            host.State.AddToken("ci@pve", "backup", privsep: true, expire: 0, comment: "nightly backup", secret: BackupSecret);
            host.State.AddToken("alice@pve", "old", privsep: true, expire: 1700000000);
            host.State.AddAcl("/vms", "PVEVMUser", token: "ci@pve!backup", propagate: true);
        }

        seed?.Invoke(host.State);
        var ps = new PowerShellHost();
        var context = new TokenTestContext(host, ps);
        context.Run("$null = Connect-PveServer -Server $url -Credential $cred -CertificateThumbprint $fp",
            ("cred", new PSCredential("root@pam", Secure(Emulators.RootPassword)))).AssertNoErrors();

        // The emulator logs a request after it has sent the answer: wait for both connect calls
        // (POST /access/ticket, GET /version) before clearing, or a late entry leaks into the test.
        SpinWait.SpinUntil(() => host.RequestLog.Count >= 2, TimeSpan.FromSeconds(5));
        host.ClearRequestLog();
        return context;
    }

    public PsResult Run(string script, params (string Name, object? Value)[] variables) => Ps.Run(script, Emulators.Vars(Host, variables));

    public PsResult RunVerbose(string script, params (string Name, object? Value)[] variables) =>
        Ps.Run(script, Emulators.Vars(Host, variables), verbose: true);

    /// <summary>Clears the request log once the calls made so far are all in it.</summary>
    public void ClearLog()
    {
        _ = Requests;
        Host.ClearRequestLog();
    }

    /// <summary>"METHOD /path" of each call, path below /api2/json.</summary>
    public IReadOnlyList<string> Calls => Requests.Select(r => r.Method + " " + r.Path.Replace("/api2/json", string.Empty, StringComparison.Ordinal)).ToList();

    public (string Path, string Type, string UgId, string RoleId, bool Propagate)[] AclOf(string fullTokenId) =>
        State.AclEntries().Where(e => e.Type == "token" && e.UgId == fullTokenId).OrderBy(e => e.Path).ThenBy(e => e.RoleId).ToArray();

    public static SecureString Secure(string s)
    {
        var secure = new SecureString();
        foreach (char c in s)
        {
            secure.AppendChar(c);
        }

        return secure;
    }

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// A PowerShell host that records what ShouldProcess shows (What if lines, confirmation prompts) and
/// answers every prompt with a fixed choice, for testing confirmation texts and ConfirmImpact.
/// </summary>
public sealed class RecordingHost : PSHost
{
    private readonly RecordingUI _ui;

    public RecordingHost(string answer = "No") => _ui = new RecordingUI(answer);

    public List<string> Lines => _ui.Lines;

    public List<string> Prompts => _ui.Prompts;

    /// <summary>Copies of the progress records as they were written (cmdlets may reuse one record).</summary>
    public List<ProgressRecord> Progress => _ui.Progress;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override string Name => "RecordingHost";

    public override PSHostUserInterface UI => _ui;

    public override Version Version => new(1, 0);

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    /// <summary>Runs <paramref name="script"/> in a runspace on this host with the module imported.</summary>
    public List<PSObject> Run(string script, Dictionary<string, object?> variables)
    {
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { PowerShellHost.ModuleManifest });
        using Runspace runspace = RunspaceFactory.CreateRunspace(this, iss);
        runspace.Open();
        foreach (KeyValuePair<string, object?> v in variables)
        {
            runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
        }

        using PowerShell ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        return ps.Invoke().ToList();
    }

    private sealed class RecordingUI : PSHostUserInterface
    {
        private readonly string _answer;

        public RecordingUI(string answer) => _answer = answer;

        public List<string> Lines { get; } = new();

        public List<string> Prompts { get; } = new();

        public List<ProgressRecord> Progress { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(caption + ": " + message);
            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal), _answer, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return defaultChoice;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

        public override string ReadLine() => string.Empty;

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override void Write(string value) => Lines.Add(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);

        public override void WriteLine(string value) => Lines.Add(value);

        public override void WriteErrorLine(string value) => Lines.Add(value);

        public override void WriteDebugLine(string message) => Lines.Add(message);

        public override void WriteProgress(long sourceId, ProgressRecord record) =>
            Progress.Add(new ProgressRecord(record.ActivityId, record.Activity, record.StatusDescription)
            {
                PercentComplete = record.PercentComplete,
                RecordType = record.RecordType,
            });

        public override void WriteVerboseLine(string message) => Lines.Add(message);

        public override void WriteWarningLine(string message) => Lines.Add(message);
    }
}
