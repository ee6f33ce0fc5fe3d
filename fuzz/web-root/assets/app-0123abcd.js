console.log("fuzz")
