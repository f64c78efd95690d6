console.log("cli: TODO")
