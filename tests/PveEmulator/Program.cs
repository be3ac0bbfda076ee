using PveEmulator;

return await EmulatorCommandLine.RunAsync(args);
